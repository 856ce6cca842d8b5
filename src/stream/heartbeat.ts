/**
 * Heartbeats for every open stream from one timer, not one timer per connection.
 */
import type { SseStream } from './sse-stream.js'

/** Default heartbeat period: 15 s, under the 30-60 s idle timeouts of common proxies. */
export const DEFAULT_HEARTBEAT_MS = 15_000

const HEARTBEAT = new TextEncoder().encode(':\n\n')

/**
 * Writes a comment line (`:`) to each registered stream every `intervalMs`, so proxies and
 * clients see traffic on idle connections and dead ones are found on the next write.
 *
 * The timer is unref'd: heartbeats never keep a process alive by themselves.
 */
export class Heartbeat {
  readonly #streams = new Set<SseStream>()
  readonly #timer: ReturnType<typeof setInterval>

  constructor(intervalMs: number) {
    this.#timer = setInterval(() => this.beat(), intervalMs)
    this.#timer.unref?.()
  }

  /** Streams now receiving heartbeats. */
  get size(): number {
    return this.#streams.size
  }

  /** Adds a stream until it closes. */
  add(stream: SseStream): void {
    this.#streams.add(stream)
    stream.onClose(() => this.#streams.delete(stream))
  }

  /** Writes one heartbeat to every stream now (the timer calls this). */
  beat(): void {
    for (const stream of this.#streams) stream.writeBytes(HEARTBEAT)
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer)
  }
}
