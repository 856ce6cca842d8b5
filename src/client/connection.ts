/**
 * One event-stream connection, kept up as the WHATWG `EventSource` keeps it: fetch, check the
 * answer, parse, and on a lost connection wait the reconnection time and resume with
 * `Last-Event-ID`. What `EventSource`, `events()` and `subscribe()` are built on.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
import { SseError } from '../protocol/errors.js'
import { createParser } from '../protocol/parse.js'
import { backoffDelay, sleep } from './backoff.js'
import type { ResolvedInit } from './options.js'
import type { Source, SourceListener } from './source.js'

const ALL_DIGITS = /^[0-9]+$/
/** The longest `Retry-After` honoured: a longer one is taken as this. */
const MAX_RETRY_AFTER_MS = 3_600_000

/** How one attempt ended. */
type Outcome =
  /** The stream was open and then ended or broke: re-establish after the reconnection time. */
  | { kind: 'lost'; error: SseError }
  /** No answer (a network error): re-established, with back-off when asked for. */
  | { kind: 'unreachable'; error: SseError }
  /** An answer that is not an event stream: fails the connection, unless retried on failure. */
  | { kind: 'refused'; error: SseError; status: number; retryAfterMs: number }

/**
 * Which statuses `retryOnFailure` retries: a server error, or too many requests (a hub over its
 * connection limit). Anything else would answer the same the next time.
 */
const isRetriedStatus = (status: number): boolean => status >= 500 || status === 429

/** A byte no header value carries (RFC 9110 field-value: tab, visible ASCII, obs-text). */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/

/** The `Last-Event-ID` value: UTF-8 bytes, one per character, as `fetch` sends a ByteString. */
function headerBytes(value: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(value)) out += String.fromCharCode(byte)
  return out
}

/** The most of a refusal's body read for its message: a problem's details fit well within. */
const MAX_REFUSAL_BYTES = 4096
/**
 * The longest wait for a refusal's body once its head is in: a body that stops coming (a server
 * or proxy that stalls after the head) must not hold the attempt, and so the retry or the
 * failure, for as long as the connection stays open.
 */
const MAX_REFUSAL_WAIT_MS = 1000

/**
 * `: <body>` for a refusal answered with problem details (RFC 9457), whose `detail` and `code`
 * say why, when its `Content-Length` is at most {@link MAX_REFUSAL_BYTES}; else nothing, and the
 * body is dropped unread. What arrived within {@link MAX_REFUSAL_WAIT_MS} is all that is read.
 */
async function refusalBody(response: Response, type: string | null): Promise<string> {
  const body = response.body
  if (body === null) return ''
  const length = Number(response.headers.get('content-length') ?? Number.NaN)
  if (mimeEssence(type) !== 'application/problem+json' || !(length <= MAX_REFUSAL_BYTES)) {
    body.cancel().catch(() => {})
    return ''
  }
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  // Cancelling ends a pending read as done: what came by then is the message.
  const deadline = setTimeout(() => reader.cancel().catch(() => {}), MAX_REFUSAL_WAIT_MS)
  try {
    while (size < MAX_REFUSAL_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      const room = MAX_REFUSAL_BYTES - size
      text += decoder.decode(value.subarray(0, room), { stream: true })
      size += Math.min(value.byteLength, room)
    }
  } catch {
    // A body cut short says no more than its status does.
  } finally {
    clearTimeout(deadline)
    reader.cancel().catch(() => {})
  }
  text += decoder.decode()
  return text === '' ? '' : `: ${text}`
}

/** The MIME type essence of a `Content-Type` value, lower-cased. */
function mimeEssence(contentType: string | null): string {
  if (contentType === null) return ''
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}

/**
 * Opens a connection to `url` and keeps it up until closed or failed for good, telling
 * `listener` what happens. `lastEventId` is sent on the first attempt when not empty.
 */
export function openConnection(
  url: URL,
  init: ResolvedInit,
  listener: SourceListener,
  lastEventId: string = init.lastEventId,
): Source {
  const controller = new AbortController()
  let closed = false
  let reconnectionMs = init.reconnectionMs
  let failures = 0
  let origin = url.origin
  // An event past `maxEventLength` is dropped by the parser and the stream goes on: losing the
  // connection instead would have it replayed after `Last-Event-ID`, and dropped again, forever.
  const parser = createParser(
    {
      onEvent: (event) => {
        if (!closed) listener.message(event, origin)
      },
      onRetry: (ms) => {
        reconnectionMs = ms
      },
    },
    { maxEventLength: init.maxEventLength },
  )
  parser.reset({ lastEventId })

  const requestInit = (): RequestInit => {
    const headers = new Headers(init.headers)
    if (!headers.has('accept')) headers.set('accept', 'text/event-stream')
    const id = parser.lastEventId
    if (id !== '') {
      // An id the server sent may hold what no header can (a control character): such an id
      // is not sent, as an attempt that could never be made would otherwise repeat forever.
      // Checked here: `Headers` takes a control character that Node's fetch then refuses to send.
      const value = headerBytes(id)
      if (!NOT_IN_HEADER.test(value)) headers.set('last-event-id', value)
    }
    const request: RequestInit = {
      method: init.method,
      headers,
      cache: 'no-store',
      credentials: init.withCredentials ? 'include' : 'same-origin',
      signal: controller.signal,
    }
    if (init.body !== undefined) request.body = init.body
    return request
  }

  const attempt = async (): Promise<Outcome> => {
    let response: Response
    try {
      response = await init.fetch(url, requestInit())
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause)
      return {
        kind: 'unreachable',
        error: new SseError('ERR_SSE_CONNECT_FAILED', `could not connect: ${message}`, { cause }),
      }
    }
    const type = response.headers.get('content-type')
    if (response.status !== 200 || mimeEssence(type) !== 'text/event-stream' || !response.body) {
      const detail = await refusalBody(response, type)
      const retryAfter = response.headers.get('retry-after') ?? ''
      return {
        kind: 'refused',
        status: response.status,
        retryAfterMs: ALL_DIGITS.test(retryAfter)
          ? Math.min(MAX_RETRY_AFTER_MS, Number(retryAfter) * 1000)
          : 0,
        error: new SseError(
          'ERR_SSE_CONNECT_FAILED',
          `expected 200 text/event-stream, got ${response.status} ${(type ?? 'no content type').slice(0, 100)}${detail}`,
        ),
      }
    }
    failures = 0
    origin = response.url === '' ? url.origin : new URL(response.url).origin
    listener.open()
    const reader = response.body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done || closed) break
        parser.feed(value)
        // Reading no further than the listener takes leaves the rest in the socket: the server
        // sees a slow reader, and no buffer here grows without bound.
        const ready = listener.ready?.()
        if (ready !== undefined) await ready
      }
      return { kind: 'lost', error: new SseError('ERR_SSE_CONNECT_FAILED', 'the stream ended') }
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause)
      return {
        kind: 'lost',
        error: new SseError('ERR_SSE_CONNECT_FAILED', `the stream broke: ${message}`, { cause }),
      }
    } finally {
      reader.cancel().catch(() => {})
      parser.reset()
    }
  }

  /** The wait before the next attempt, or null when the connection fails for good. */
  const delayAfter = (outcome: Outcome): number | null => {
    if (outcome.kind === 'lost') return reconnectionMs
    const policy = init.retryOnFailure
    const retried = (status: number) => policy?.everyStatus === true || isRetriedStatus(status)
    if (outcome.kind === 'refused' && (policy === null || !retried(outcome.status))) {
      return null
    }
    if (policy === null) return reconnectionMs
    if (policy.maxAttempts !== null && failures >= policy.maxAttempts) return null
    const delay = backoffDelay(failures++, policy)
    return outcome.kind === 'refused' ? Math.max(delay, outcome.retryAfterMs) : delay
  }

  const run = async (): Promise<void> => {
    while (!closed) {
      const outcome = await attempt()
      if (closed) return
      const delay = delayAfter(outcome)
      if (delay === null) {
        closed = true
        listener.error(outcome.error, true)
        return
      }
      listener.error(outcome.error, false)
      await sleep(delay, controller.signal)
    }
  }
  // The first attempt starts on a later tick, so that a caller adds its listeners first.
  queueMicrotask(() => {
    run().catch((cause) => {
      if (closed) return
      closed = true
      listener.error(new SseError('ERR_SSE_CONNECT_FAILED', String(cause), { cause }), true)
    })
  })

  return {
    close() {
      closed = true
      controller.abort()
    },
  }
}
