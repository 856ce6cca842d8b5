/**
 * The sink of one web-standard event-stream response: bytes into a `ReadableStream` that the
 * runtime (Bun, Deno, a worker, `@hono/node-server`) reads and sends.
 */
import type { Sink } from '../stream/sink.js'
import type { WebRequestInfo } from './web-request.js'

/** Default for the queue a {@link WebSink} holds before it reports itself full: 64 KiB. */
export const DEFAULT_WEB_SINK_HIGH_WATER_MARK = 64 * 1024

/**
 * A {@link Sink} whose bytes the runtime pulls from {@link WebSink.readable}, the body of the
 * `Response`.
 *
 * Backpressure is the stream's own: what is queued and not yet read by the runtime counts as
 * unsent ({@link WebSink.bufferedBytes}), and the runtime's next `pull` is the drain. The client
 * leaving reaches the sink as the runtime's `cancel()` of the body, or as the request's
 * `signal` aborting, whichever the runtime gives first.
 */
export class WebSink implements Sink {
  /** The response body. */
  readonly readable: ReadableStream<Uint8Array>
  readonly #highWaterMark: number
  readonly #destroy: (() => void) | undefined
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined
  #open = true
  #gone = false
  #drainListeners: Array<() => void> = []
  #closeListeners: Array<() => void> = []

  /**
   * @param signal the request's signal, when the runtime aborts it as the client leaves.
   * @param highWaterMark bytes queued before the sink reports itself full.
   * @param destroy the runtime's way to cut the connection at once, when it has one
   *   ({@link WebRequestInfo.destroy}): {@link WebSink.abort} calls it rather than error the body.
   */
  constructor(
    signal?: AbortSignal,
    highWaterMark = DEFAULT_WEB_SINK_HIGH_WATER_MARK,
    destroy?: () => void,
  ) {
    this.#highWaterMark = highWaterMark
    this.#destroy = destroy
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller
        },
        pull: () => this.#drained(),
        cancel: () => this.#finish(),
      },
      { highWaterMark, size: (chunk) => chunk.byteLength },
    )
    if (signal?.aborted) this.#clientGone()
    else signal?.addEventListener('abort', () => this.#clientGone(), { once: true })
  }

  write(chunk: Uint8Array): void {
    if (!this.#open) return
    this.#controller?.enqueue(chunk)
  }

  get bufferedBytes(): number {
    if (!this.#open) return 0
    return this.#highWaterMark - (this.#controller?.desiredSize ?? this.#highWaterMark)
  }

  end(): void {
    if (!this.#open) return
    this.#open = false
    this.#controller?.close()
    // The runtime sends what is queued and ends the response; nothing tells the sink when the
    // last byte has left, and nothing more can be written: the connection is the runtime's now.
    this.#finish()
  }

  abort(): void {
    if (this.#open) {
      this.#open = false
      // Cut, not ended, so a client that stopped reading does not hold the bytes queued for it.
      // The runtime's own cut, where given, is quiet: it cancels the body as for a client gone.
      // Else an errored body makes the runtime cut the response rather than end it cleanly
      // (some log the error: `@hono/node-server` prints it and sends its message before cutting).
      if (this.#destroy !== undefined) this.#destroy()
      else this.#controller?.error(new Error('the event stream was aborted'))
    }
    this.#finish()
  }

  onDrain(listener: () => void): void {
    if (!this.#open) return
    // Room now: called in a later turn, as the contract asks. Full: on the runtime's next pull.
    if ((this.#controller?.desiredSize ?? 0) > 0) setTimeout(listener, 0)
    else this.#drainListeners.push(listener)
  }

  onClose(listener: () => void): void {
    if (this.#gone) queueMicrotask(listener)
    else this.#closeListeners.push(listener)
  }

  /**
   * The request's signal aborted: the connection is gone. The body ends quietly, where an error
   * would be reported by runtimes as a failed response.
   */
  #clientGone(): void {
    if (this.#open) {
      this.#open = false
      this.#controller?.close()
    }
    this.#finish()
  }

  #drained(): void {
    const listeners = this.#drainListeners
    if (listeners.length === 0) return
    this.#drainListeners = []
    // The stream may call pull from inside an enqueue: listeners run after the write returns.
    queueMicrotask(() => {
      if (this.#open) for (const listener of listeners) listener()
    })
  }

  #finish(): void {
    this.#open = false
    if (this.#gone) return
    this.#gone = true
    this.#drainListeners = []
    const listeners = this.#closeListeners
    this.#closeListeners = []
    queueMicrotask(() => {
      for (const listener of listeners) listener()
    })
  }
}
