/**
 * One shared turn-end flush for every stream with queued bytes, instead of one write per event;
 * when the server has been quiet, no waiting for the first; and no fan-out that holds the event
 * loop for longer than a slice.
 */
import { ChunkJoiner } from './chunk-joiner.js'

/** Something with bytes queued, flushed once per pass by a {@link FlushScheduler}. */
export interface Flushable {
  /** Writes everything queued as one chunk; `joiner` is shared by all flushed in this pass. */
  flush(joiner: ChunkJoiner): void
}

/** How a scheduler defers its flush; `setImmediate` by default (`setTimeout` where there is none). */
export type Defer = (run: () => void) => void

/** Options of a {@link FlushScheduler}. */
export interface FlushSchedulerOptions {
  /** Runs the turn-end flush; `setImmediate` by default (`setTimeout` where there is none). */
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
  /**
   * How long one turn may spend writing (at once, then flushing) before the rest waits for the
   * next turn, so that requests, new connections and further publishes are served in between.
   * A pass that goes on gets longer when the loop spent longer on other work since its last
   * slice: as long as that work took. `Infinity`: a fan-out always ends in the turn it started.
   * @defaultValue {@link DEFAULT_SLICE_MS}
   */
  sliceMs?: number | undefined
  /**
   * How long a turn after a quiet spell may write at once before the rest of it queues: longer
   * than a slice, so that a steady feed's fan-out to a thousand streams or so leaves in one go,
   * without a pause for the loop half-way; its publish is answered after it
   * (docs/decisions/0003).
   * @defaultValue six slices ({@link DEFAULT_WRITE_THROUGH_MS} with the default slice)
   */
  writeThroughMs?: number | undefined
}

/** Default for {@link FlushSchedulerOptions.quietMs}. */
export const DEFAULT_QUIET_MS = 1

/** Default for {@link FlushSchedulerOptions.sliceMs}. */
export const DEFAULT_SLICE_MS = 5

// Slices a quiet turn may write at once, unless told otherwise. Three cut a thousand streams'
// fan-out short whenever the machine was busy, and that pause for the loop landed on the
// slowest events, the ones a p99 is made of (docs/decisions/0003).
const WRITE_THROUGH_SLICES = 6

/** Default for {@link FlushSchedulerOptions.writeThroughMs}, with the default slice. */
export const DEFAULT_WRITE_THROUGH_MS = WRITE_THROUGH_SLICES * DEFAULT_SLICE_MS

/**
 * Streams written between two looks at the clock: reading it costs more than a write's own
 * bookkeeping, and 64 writes take well under a millisecond.
 */
export const CLOCK_EVERY = 64

// `setImmediate` is Node's (and Bun's): elsewhere a timer of 0 ms is the nearest macrotask.
const nextTurn = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate
const deferToCheckPhase: Defer =
  nextTurn === undefined
    ? (run) => {
        setTimeout(run, 0)
      }
    : (run) => {
        nextTurn(run)
      }

/**
 * Decides, once per turn of the event loop, whether streams write at once or queue, and flushes
 * the queued ones in passes after the turn.
 *
 * Queueing pays when a turn brings a stream several events (a burst: many publishes read in one
 * turn): they leave in one write. When events come one at a time, far apart (a steady feed),
 * queueing saves nothing and costs latency: the fan-out waits until the publish request has
 * been answered and the turn has ended. So in a turn that starts after at least `quietMs`
 * without writes, each stream's first write goes at once; in one that follows a busy turn,
 * everything queues.
 *
 * A fan-out to many streams is a write each: 10,000 streams hold the event loop for tens of
 * milliseconds or more. So a turn writes for `sliceMs` (after a quiet spell, at once for
 * `writeThroughMs`, six slices: one steady event's fan-out to a thousand streams then goes
 * without a pause): past it, writing at once stops for the turn, and a flush pass that is not
 * done goes on in the next turn. In between, the loop reads what has arrived: an event
 * published meanwhile joins the queues of the streams the pass has not reached yet and leaves
 * with them, instead of waiting for a whole pass; the publish is answered in milliseconds; new
 * streams connect. When the work in between took
 * longer than a slice (a flood of publishes), the next slice takes as long: delivery keeps at
 * least half the loop, and the publishers' answers slow down instead.
 *
 * `setImmediate` (the default) rather than a microtask: it runs after every I/O callback of
 * this loop iteration, so events published by several requests that arrived together still
 * reach each connection in one write. One deferral serves every stream: no per-connection
 * timer or closure on the hot path.
 */
export class FlushScheduler {
  // The pass being flushed, from `#at` on; streams queueing meanwhile wait in `#next`. A stream
  // is never in both: it joins `#next` on its first queued chunk after its flush.
  #pass: Flushable[] = []
  #at = 0
  #next: Flushable[] = []
  #joiner = new ChunkJoiner()
  #scheduled = false
  // Whether the flush scheduled itself: work was left when the last slice ended.
  #continuing = false
  // This turn's decision: undefined until a stream writes in it.
  #writeThrough: boolean | undefined
  // When this turn began writing at once, if it did: its flush gets what is left of the slice.
  #wroteThroughSince: number | undefined
  #grants = 0
  #lastBusyAt = Number.NEGATIVE_INFINITY
  #turn = 0
  readonly #defer: Defer
  readonly #now: () => number
  readonly #quietMs: number
  readonly #sliceMs: number
  readonly #writeThroughMs: number

  constructor(options: FlushSchedulerOptions = {}) {
    this.#defer = options.defer ?? deferToCheckPhase
    this.#now = options.now ?? (() => performance.now())
    this.#quietMs = options.quietMs ?? DEFAULT_QUIET_MS
    this.#sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS
    this.#writeThroughMs = options.writeThroughMs ?? WRITE_THROUGH_SLICES * this.#sliceMs
  }

  /** Which turn this is: the count of turns ended (flushes). */
  get turn(): number {
    return this.#turn
  }

  /** Streams waiting for a flush: the rest of the pass under way and the next one. */
  get pending(): number {
    return this.#pass.length - this.#at + this.#next.length
  }

  /**
   * Decides whether a stream's first write of this turn goes now rather than queues, and answers
   * it: the same answer for every stream of a turn, until the turn has written for
   * `writeThroughMs`. The first call of a turn makes the decision and schedules the turn's
   * flush; later ones count the writes and look at the clock now and then. The rest of a
   * stream's turn queues behind that write (several events read in one turn, a batch from
   * Redis, still leave in one more write, not one each).
   */
  decideWrite(): boolean {
    if (this.#writeThrough === undefined) {
      const now = this.#now()
      // Not while a flush pass is under way, nor with streams queued for the next.
      this.#writeThrough =
        this.#quietMs !== Number.POSITIVE_INFINITY &&
        !this.#continuing &&
        now - this.#lastBusyAt >= this.#quietMs
      if (this.#writeThrough) this.#wroteThroughSince = now
      this.#grants = 0
      this.#schedule()
    } else if (this.#writeThrough && ++this.#grants % CLOCK_EVERY === 0) {
      return this.recheckWriteThrough()
    }
    return this.#writeThrough
  }

  /**
   * For a writer that writes many streams at once after one {@link decideWrite} (a
   * broadcast): reads the clock and ends the turn's writing at once when it has lasted long
   * enough; answers whether the turn still writes at once. Call it every few dozen writes; once
   * it answers `false`, the rest of the turn queues.
   */
  recheckWriteThrough(): boolean {
    if (
      this.#writeThrough === true &&
      this.#now() - (this.#wroteThroughSince as number) >= this.#writeThroughMs
    ) {
      this.#writeThrough = false
    }
    return this.#writeThrough === true
  }

  /** Queues `target` for a flush; call once per target per flush (on its first chunk). */
  add(target: Flushable): void {
    this.#next.push(target)
    this.#schedule()
  }

  /**
   * Flushes queued targets for one slice and ends the turn (the deferral calls this); a pass
   * not done goes on at the next deferral.
   */
  readonly flush = (): void => {
    this.#scheduled = false
    const start = this.#now()
    // Between two slices of the loop's own making it never sleeps, so the time since the last
    // one ended went to other work (publishes read, requests answered): the streams get as
    // much, so that a flood of publishes slows their answers down instead of starving delivery.
    const deadline = this.#continuing
      ? start + Math.max(this.#sliceMs, start - this.#lastBusyAt)
      : (this.#wroteThroughSince ?? start) + this.#sliceMs
    if (this.#at === this.#pass.length) this.#startPass()
    const pass = this.#pass
    let at = this.#at
    // A turn that wrote at once for its whole slice flushes nothing: the pass begins next turn.
    if (start < deadline) {
      while (at < pass.length) {
        ;(pass[at++] as Flushable).flush(this.#joiner)
        if (at % CLOCK_EVERY === 0 && this.#now() >= deadline) break
      }
    }
    if (at < pass.length) {
      this.#at = at
    } else {
      this.#endPass()
    }
    // Quiet is counted from the end of the work, not its start: a long fan-out is busy time.
    this.#writeThrough = undefined
    this.#wroteThroughSince = undefined
    this.#lastBusyAt = this.#now()
    this.#turn++
    this.#continuing = this.#at < this.#pass.length || this.#next.length > 0
    if (this.#continuing) this.#schedule()
  }

  // The queued targets become the pass; the empty list of the last one takes the next queue.
  #startPass(): void {
    const empty = this.#pass
    this.#pass = this.#next
    this.#next = empty
    this.#at = 0
  }

  // Emptied at once, not when the next pass starts: the streams of the last pass, closed since
  // perhaps, and the joiner's last buffer would otherwise be kept until the next write.
  #endPass(): void {
    this.#pass.length = 0
    this.#at = 0
    this.#joiner = new ChunkJoiner()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#defer(this.flush)
  }
}
