/**
 * One client connection: writes events, enforces the unsent-bytes cap, releases all on close.
 */
import { encodeEvent } from '../protocol/encode.js'
import type { SseEvent } from '../protocol/types.js'
import type { Sink } from './sink.js'

/** Default for {@link SseStreamOptions.maxBufferedBytes}: 1 MiB of unsent bytes per stream. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024

/** Why a stream closed. */
export type CloseReason = 'client' | 'server' | 'overflow'

/** Options of an {@link SseStream}. */
export interface SseStreamOptions {
  /**
   * Unsent bytes a slow client may have queued before it is closed; it reconnects with its last
   * event id and is sent what it missed, so nothing is lost. `null`: no cap.
   * @defaultValue {@link DEFAULT_MAX_BUFFERED_BYTES}
   */
  maxBufferedBytes?: number | null | undefined
}

/**
 * One event-stream connection over a {@link Sink}.
 *
 * `write` returns `false` once the stream is closed; `onClose` listeners run exactly once.
 */
export class SseStream {
  readonly #sink: Sink
  readonly #maxBufferedBytes: number
  readonly #closeListeners: Array<(reason: CloseReason) => void> = []
  #closed = false

  constructor(sink: Sink, options: SseStreamOptions = {}) {
    this.#sink = sink
    this.#maxBufferedBytes = options.maxBufferedBytes ?? Number.POSITIVE_INFINITY
    sink.onClose(() => this.#finish('client'))
  }

  /** Whether the stream has closed. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Writes bytes already encoded (shared by every subscriber of an event).
   *
   * @returns `false` when the stream is closed, or has just been closed for exceeding its cap.
   */
  writeBytes(bytes: Uint8Array): boolean {
    if (this.#closed) return false
    this.#sink.write(bytes)
    if (this.#sink.bufferedBytes > this.#maxBufferedBytes) {
      this.close('overflow')
      return false
    }
    return true
  }

  /** Encodes and writes one event for this stream alone. @throws {SseError} for a bad field. */
  write(event: SseEvent): boolean {
    return this.writeBytes(encodeEvent(event))
  }

  /** Ends the stream (optionally after a last event, e.g. a `retry:` hint); idempotent. */
  close(reason: CloseReason = 'server', last?: Uint8Array): void {
    if (this.#closed) return
    if (last !== undefined) this.#sink.write(last)
    this.#sink.end()
    this.#finish(reason)
  }

  /** Runs `listener` once when the stream closes, with why. */
  onClose(listener: (reason: CloseReason) => void): void {
    if (this.#closed) listener('client')
    else this.#closeListeners.push(listener)
  }

  #finish(reason: CloseReason): void {
    if (this.#closed) return
    this.#closed = true
    for (const listener of this.#closeListeners.splice(0)) listener(reason)
  }
}
