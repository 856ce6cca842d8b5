/**
 * One shared turn-end flush for every stream with queued bytes, instead of one write per event;
 * and when the server has been quiet, no waiting for the first.
 */
import { ChunkJoiner } from './chunk-joiner.js'

/** Something with bytes queued, flushed once per turn by a {@link FlushScheduler}. */
export interface Flushable {
  /** Writes everything queued as one chunk; `joiner` is shared by all flushed in this turn. */
  flush(joiner: ChunkJoiner): void
}

/** How a scheduler defers its flush; `setImmediate` by default. */
export type Defer = (run: () => void) => void

/** Options of a {@link FlushScheduler}. */
export interface FlushSchedulerOptions {
  /** Runs the turn-end flush; `setImmediate` by default. */
  defer?: Defer | undefined
  /** A clock in milliseconds; `performance.now` by default. */
  now?: (() => number) | undefined
  /**
   * How long after the last turn that wrote anything the server counts as quiet, so each
   * stream's first write of the next turn goes at once instead of queueing. `Infinity`: always
   * queue.
   * @defaultValue {@link DEFAULT_QUIET_MS}
   */
  quietMs?: number | undefined
}

/** Default for {@link FlushSchedulerOptions.quietMs}. */
export const DEFAULT_QUIET_MS = 1

const deferToCheckPhase: Defer = (run) => {
  setImmediate(run)
}

/**
 * Decides, once per turn of the event loop, whether streams write at once or queue, and flushes
 * the queued ones all in one pass after the turn.
 *
 * Queueing pays when a turn brings a stream several events (a burst: many publishes read in one
 * turn): they leave in one write. When events come one at a time, far apart (a steady feed),
 * queueing saves nothing and costs latency: the fan-out waits until the publish request has
 * been answered and the turn has ended. So in a turn that starts after at least `quietMs`
 * without writes, each stream's first write goes at once; in one that follows a busy turn,
 * everything queues.
 *
 * `setImmediate` (the default) rather than a microtask: it runs after every I/O callback of
 * this loop iteration, so events published by several requests that arrived together still
 * reach each connection in one write. One deferral serves every stream: no per-connection
 * timer or closure on the hot path.
 */
export class FlushScheduler {
  #dirty: Flushable[] = []
  #spare: Flushable[] = []
  #scheduled = false
  // This turn's decision: undefined until a stream writes in it.
  #writeThrough: boolean | undefined
  #lastBusyAt = Number.NEGATIVE_INFINITY
  #turn = 0
  readonly #defer: Defer
  readonly #now: () => number
  readonly #quietMs: number

  constructor(options: FlushSchedulerOptions = {}) {
    this.#defer = options.defer ?? deferToCheckPhase
    this.#now = options.now ?? (() => performance.now())
    this.#quietMs = options.quietMs ?? DEFAULT_QUIET_MS
  }

  /** Which turn this is: the count of turns ended (flushes). */
  get turn(): number {
    return this.#turn
  }

  /** Streams waiting for the next flush. */
  get pending(): number {
    return this.#dirty.length
  }

  /**
   * Whether a stream's first write of this turn should go now rather than queue: the same
   * answer for every stream all turn, so one event reaches all of them the same way. The rest
   * of a stream's turn queues behind that write (several events read in one turn, a batch from
   * Redis, still leave in one more write, not one each).
   */
  writesThrough(): boolean {
    if (this.#writeThrough === undefined) {
      this.#writeThrough =
        this.#quietMs !== Number.POSITIVE_INFINITY &&
        this.#now() - this.#lastBusyAt >= this.#quietMs
      this.#schedule()
    }
    return this.#writeThrough
  }

  /** Queues `target` for the next flush; call once per target per turn (on its first chunk). */
  add(target: Flushable): void {
    this.#dirty.push(target)
    this.#schedule()
  }

  /** Flushes every queued target now and ends the turn (the deferral calls this). */
  readonly flush = (): void => {
    this.#scheduled = false
    // Swap lists so a target queued again while flushing (a write from a close listener) waits
    // for the next turn instead of growing the list being walked.
    const dirty = this.#dirty
    this.#dirty = this.#spare
    const joiner = new ChunkJoiner()
    for (let i = 0; i < dirty.length; i++) (dirty[i] as Flushable).flush(joiner)
    dirty.length = 0
    this.#spare = dirty
    // Quiet is counted from the end of the work, not its start: a long fan-out is busy time.
    this.#writeThrough = undefined
    this.#lastBusyAt = this.#now()
    this.#turn++
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#defer(this.flush)
  }
}

/** The scheduler every stream of the process shares unless given its own. */
export const sharedFlushScheduler = new FlushScheduler()
