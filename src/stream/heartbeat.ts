/**
 * Heartbeats for every open stream from one timer, not one timer per connection, spread over
 * the period.
 */

import { unrefTimer } from '../timers.js'
import type { SseStream } from './sse-stream.js'

/** Default heartbeat period: 15 s, under the 30-60 s idle timeouts of common proxies. */
export const DEFAULT_HEARTBEAT_MS = 15_000

/** How many parts of the period the streams are spread over. */
const SLICES = 16

const HEARTBEAT = new TextEncoder().encode(':\n\n')

/**
 * Writes a comment line (`:`) to each registered stream every `intervalMs`, so proxies and
 * clients see traffic on idle connections and dead ones are found on the next write.
 *
 * The streams are dealt into 16 slices and the timer ticks 16 times a period, each tick beating
 * one slice: a heartbeat is a write per stream, and 10,000 of them at once held up every event
 * published meanwhile, every period (docs/decisions/0005).
 *
 * The timer is unref'd: heartbeats never keep a process alive by themselves.
 */
export class Heartbeat {
  readonly #slices: Array<Set<SseStream>> = Array.from({ length: SLICES }, () => new Set())
  readonly #timer: ReturnType<typeof setInterval>
  #nextSlice = 0
  #tick = 0

  constructor(intervalMs: number) {
    this.#timer = unrefTimer(setInterval(() => this.#beatSlice(), intervalMs / SLICES))
  }

  /** Streams now receiving heartbeats. */
  get size(): number {
    let size = 0
    for (const slice of this.#slices) size += slice.size
    return size
  }

  /** Adds a stream until it closes. */
  add(stream: SseStream): void {
    const slice = this.#slices[this.#nextSlice] as Set<SseStream>
    this.#nextSlice = (this.#nextSlice + 1) % SLICES
    slice.add(stream)
    stream.onClose(() => slice.delete(stream))
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer)
  }

  #beatSlice(): void {
    const slice = this.#slices[this.#tick] as Set<SseStream>
    this.#tick = (this.#tick + 1) % SLICES
    for (const stream of slice) stream.writeBytes(HEARTBEAT)
  }
}
