/**
 * One shared turn-end flush for every stream with queued bytes, instead of one write per event.
 */
import { ChunkJoiner } from './chunk-joiner.js'

/** Something with bytes queued, flushed once per turn by a {@link FlushScheduler}. */
export interface Flushable {
  /** Writes everything queued as one chunk; `joiner` is shared by all flushed in this turn. */
  flush(joiner: ChunkJoiner): void
}

/** How a scheduler defers its flush; `setImmediate` by default. */
export type Defer = (run: () => void) => void

const deferToCheckPhase: Defer = (run) => {
  setImmediate(run)
}

/**
 * Collects streams that queued bytes and flushes them all in one pass, after the current turn
 * of the event loop.
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
  readonly #defer: Defer

  constructor(defer: Defer = deferToCheckPhase) {
    this.#defer = defer
  }

  /** Streams waiting for the next flush. */
  get pending(): number {
    return this.#dirty.length
  }

  /** Queues `target` for the next flush; call once per target per turn (on its first chunk). */
  add(target: Flushable): void {
    this.#dirty.push(target)
    if (this.#scheduled) return
    this.#scheduled = true
    this.#defer(this.flush)
  }

  /** Flushes every queued target now (the deferral calls this). */
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
  }
}

/** The scheduler every stream of the process shares unless given its own. */
export const sharedFlushScheduler = new FlushScheduler()
