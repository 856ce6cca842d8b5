/**
 * A fetch-based event-stream client on the protocol parser: reconnects, honours `retry:`,
 * resumes with `Last-Event-ID`. Runs in Node and browsers (no `node:` imports).
 */
import { SseError } from '../errors.js'
import { createParser } from '../protocol/parse.js'
import type { ParsedEvent } from '../protocol/types.js'

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
 * status other than 200, a body that is not `text/event-stream`) is retried too, with doubling
 * back-off up to `maxRetryMs`, and reported through `onStatus`.
 *
 * @example
 * const controller = new AbortController()
 * await subscribe('http://localhost:3000/events?topic=chat', {
 *   onEvent: (e) => console.log(e.data),
 *   signal: controller.signal,
 * })
 */
export async function subscribe(url: string | URL, options: SubscribeOptions): Promise<void> {
  let retryMs = options.initialRetryMs ?? DEFAULT_INITIAL_RETRY_MS
  const maxRetryMs = options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS
  let failures = 0
  const parser = createParser({
    onEvent: options.onEvent,
    onRetry: (ms) => {
      retryMs = ms
    },
  })
  parser.reset({ lastEventId: options.lastEventId ?? '' })
  const signal = options.signal
  const aborted = () => signal?.aborted === true
  while (!aborted()) {
    try {
      await readOnce(url, options, parser, () => {
        failures = 0
        options.onStatus?.({ connected: true })
      })
      options.onStatus?.({
        connected: false,
        error: new SseError('ERR_SSE_CONNECT_FAILED', 'the server ended the stream'),
      })
    } catch (error) {
      if (aborted()) break
      failures++
      const reason =
        error instanceof SseError
          ? error
          : new SseError('ERR_SSE_CONNECT_FAILED', String(error), { cause: error })
      options.onStatus?.({ connected: false, error: reason })
    }
    parser.reset()
    const delay = Math.min(maxRetryMs, retryMs * 2 ** Math.max(0, failures - 1))
    await sleep(delay, signal)
  }
}

async function readOnce(
  url: string | URL,
  options: SubscribeOptions,
  parser: ReturnType<typeof createParser>,
  onOpen: () => void,
): Promise<void> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers }
  if (parser.lastEventId !== '') headers['last-event-id'] = parser.lastEventId
  const init: RequestInit = { headers, cache: 'no-store' }
  if (options.signal !== undefined) init.signal = options.signal
  const response = await fetch(url, init)
  const type = response.headers.get('content-type') ?? ''
  if (response.status !== 200 || !type.startsWith('text/event-stream') || response.body === null) {
    const text = await response.text().catch(() => '')
    throw new SseError(
      'ERR_SSE_CONNECT_FAILED',
      `expected 200 text/event-stream, got ${response.status} ${type}: ${text.trim().slice(0, 200)}`,
    )
  }
  onOpen()
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    parser.feed(value)
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
