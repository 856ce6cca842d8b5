/**
 * `subscribe(url, options)`: the callback form of the client, for Node programs that keep a
 * stream up until told to stop (the `ssehub subscribe` command is one). On the same connection
 * as `EventSource`; never shared among tabs.
 */
import type { SseError } from '../protocol/errors.js'
import type { ParsedEvent } from '../protocol/types.js'
import { openConnection } from './connection.js'
import { resolveInit } from './options.js'

/** Default for {@link SubscribeOptions.initialRetryMs}: wait before reconnecting, unless the server says otherwise. */
export const DEFAULT_INITIAL_RETRY_MS = 1000
/** Default for {@link SubscribeOptions.maxRetryMs}: the ceiling of the back-off on repeated failures. */
export const DEFAULT_MAX_RETRY_MS = 30_000

/** Options of {@link subscribe}. */
export interface SubscribeOptions {
  /** Each dispatched event. */
  onEvent: (event: ParsedEvent) => void
  /** A connection opened (`true`) or was lost (`false`, with why). */
  onStatus?: (status: { connected: true } | { connected: false; error: SseError }) => void
  /** Resume after this id on the first connection. */
  lastEventId?: string | undefined
  /** Extra request headers (e.g. `Authorization`). */
  headers?: Record<string, string> | undefined
  /** Reconnection delay until the server sends `retry:`. @defaultValue {@link DEFAULT_INITIAL_RETRY_MS} */
  initialRetryMs?: number | undefined
  /** Back-off ceiling. @defaultValue {@link DEFAULT_MAX_RETRY_MS} */
  maxRetryMs?: number | undefined
  /** Stops the subscription when aborted. */
  signal?: AbortSignal | undefined
}

/**
 * Subscribes to an event stream and keeps it up until `signal` aborts; resolves then.
 *
 * Like `EventSource`: a dropped connection is retried after the server's `retry:` (or the
 * default), sending the last event id seen. Unlike it: a failed attempt (refused connection, a
 * status other than 200, a body that is not `text/event-stream`) is retried too, with
 * exponential back-off and full jitter up to `maxRetryMs`, and reported through `onStatus`.
 *
 * @example
 * const controller = new AbortController()
 * await subscribe('http://localhost:3000/events?topic=chat', {
 *   onEvent: (e) => console.log(e.data),
 *   signal: controller.signal,
 * })
 */
export function subscribe(url: string | URL, options: SubscribeOptions): Promise<void> {
  const signal = options.signal
  if (signal?.aborted === true) return Promise.resolve()
  const initialMs = options.initialRetryMs ?? DEFAULT_INITIAL_RETRY_MS
  const init = resolveInit({
    headers: options.headers,
    lastEventId: options.lastEventId,
    reconnectionMs: initialMs,
    retryOnFailure: { initialMs, maxMs: options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS },
    share: false,
  })
  if (init.retryOnFailure !== null) init.retryOnFailure.everyStatus = true
  return new Promise((resolve) => {
    const connection = openConnection(new URL(String(url)), init, {
      open: () => options.onStatus?.({ connected: true }),
      message: (event) => options.onEvent(event),
      error: (error) => options.onStatus?.({ connected: false, error }),
    })
    signal?.addEventListener(
      'abort',
      () => {
        connection.close()
        resolve()
      },
      { once: true },
    )
  })
}
