/**
 * Cuts streams whose client has stopped reading, from one timer for all of them.
 */

import { unrefTimer } from '../timers.js'
import type { SseStream } from './sse-stream.js'

/** Default write-stall limit: 30 s with unsent bytes and none of them leaving. */
export const DEFAULT_WRITE_STALL_MS = 30_000

/**
 * Looks at every open stream four times per `stallMs` and closes (aborts) those whose unsent
 * bytes have not shrunk for `stallMs` ({@link SseStream.closeIfStalled}). A peer that never
 * reads would otherwise keep its socket and its queued bytes until the cap is reached, and on a
 * quiet topic that may be never.
 *
 * The timer is unref'd: it never keeps a process alive by itself.
 */
export class StallWatch {
  readonly #timer: ReturnType<typeof setInterval>

  constructor(streams: Iterable<SseStream>, stallMs: number, now: () => number = Date.now) {
    this.#timer = unrefTimer(
      setInterval(
        () => {
          const time = now()
          for (const stream of streams) stream.closeIfStalled(time, stallMs)
        },
        Math.max(stallMs / 4, 10),
      ),
    )
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer)
  }
}
