/**
 * The client's init dictionary: the browser's `EventSourceInit` and what ssehub adds to it, the
 * defaults, and the one place they are checked.
 */

/** Default reconnection time before the server sends `retry:`, as Chromium's `EventSource`. */
export const DEFAULT_RECONNECTION_MS = 3000
/** Default for {@link RetryOnFailure.initialMs}: the first back-off ceiling after a failure. */
export const DEFAULT_FAILURE_INITIAL_MS = 1000
/** Default for {@link RetryOnFailure.maxMs}: the cap of the back-off. */
export const DEFAULT_FAILURE_MAX_MS = 30_000
/** Default for {@link EventSourceInit.maxQueuedEvents} of `events()`: events waiting for the loop. */
export const DEFAULT_MAX_QUEUED_EVENTS = 10_000
/**
 * Default for {@link EventSourceInit.maxEventLength}: 16 Mi characters, sixteen times the hub's
 * default largest event (`maxEventBytes`, 1 MiB).
 */
export const DEFAULT_MAX_EVENT_LENGTH = 16 * 1024 * 1024

/** The `fetch` the client calls: the global one, or one brought by the caller. */
export type FetchLike = (input: string | URL, init: RequestInit) => Promise<Response>

/**
 * How failed connections are retried when the spec's class would give up: a 5xx or 429 answer,
 * or a network error. The wait before attempt `n` (from 0) is a random time between 0 and
 * `min(maxMs, initialMs * 2^n)` ("full jitter"), so that clients of a hub being redeployed come
 * back spread out; a `Retry-After` in seconds raises it.
 */
export interface RetryOnFailure {
  /** The ceiling of the first wait. @defaultValue {@link DEFAULT_FAILURE_INITIAL_MS} */
  initialMs?: number | undefined
  /** The cap of every wait. @defaultValue {@link DEFAULT_FAILURE_MAX_MS} */
  maxMs?: number | undefined
  /** Failed attempts in a row after which the connection fails for good; `null`: never. @defaultValue null */
  maxAttempts?: number | null | undefined
}

/**
 * The second argument of `new EventSource(url, init)` and of `events(url, init)`: the
 * browser's `withCredentials`, and more.
 */
export interface EventSourceInit {
  /** Send cookies to another origin (`credentials: 'include'`). @defaultValue false */
  withCredentials?: boolean | undefined
  /** Extra request headers, e.g. `Authorization`. @defaultValue none */
  headers?: Record<string, string> | undefined
  /** The request method. @defaultValue `'GET'` */
  method?: string | undefined
  /** The request body, for a method that takes one. @defaultValue none */
  body?: string | undefined
  /** The `fetch` to call. @defaultValue `globalThis.fetch` */
  fetch?: FetchLike | undefined
  /**
   * Retry a 5xx or 429 answer and network errors with exponential back-off and full jitter
   * (`true` for the defaults). Without it the spec's rules hold: a status other than 200 fails
   * the connection for good, a network error is retried after the reconnection time.
   * @defaultValue false
   */
  retryOnFailure?: boolean | RetryOnFailure | undefined
  /**
   * In a browser, share one connection among the tabs of this origin that open the same URL
   * with the same init (one tab holds it, chosen with Web Locks, and relays its events over a
   * BroadcastChannel; when it closes another takes over, resuming after the last event id).
   * `false`: this object opens its own connection. Ignored where `navigator.locks` or
   * `BroadcastChannel` is missing (Node). @defaultValue true
   */
  share?: boolean | undefined
  /** Resume after this event id on the first connection (sent as `Last-Event-ID`). @defaultValue none */
  lastEventId?: string | undefined
  /** The reconnection time until the server sends `retry:`. @defaultValue {@link DEFAULT_RECONNECTION_MS} */
  reconnectionMs?: number | undefined
  /**
   * For `events()`: events kept while the loop body is busy; past it the iteration ends with
   * `ERR_SSE_CLIENT_QUEUE_FULL`. A connection of its own holds one read's events at most (it
   * reads on once the loop has taken them); a shared one cannot wait, so this bounds it.
   * @defaultValue {@link DEFAULT_MAX_QUEUED_EVENTS}
   */
  maxQueuedEvents?: number | undefined
  /**
   * The most characters an event may hold while it arrives (its data and the line being read).
   * A larger one is dropped, not dispatched, and the stream goes on with the next: a server that
   * never ends a line or an event cannot grow the client's memory without bound. `null`: no
   * limit, as the browser's `EventSource`. @defaultValue {@link DEFAULT_MAX_EVENT_LENGTH}
   */
  maxEventLength?: number | null | undefined
}

/** {@link RetryOnFailure} with defaults filled in. */
export interface ResolvedRetry {
  initialMs: number
  maxMs: number
  maxAttempts: number | null
  /** Retry every answer that is not an event stream, not only 5xx and 429 (`subscribe()`). */
  everyStatus: boolean
}

/** {@link EventSourceInit} with defaults filled in. */
export interface ResolvedInit {
  withCredentials: boolean
  headers: Record<string, string>
  method: string
  body: string | undefined
  fetch: FetchLike
  retryOnFailure: ResolvedRetry | null
  share: boolean
  lastEventId: string
  reconnectionMs: number
  maxQueuedEvents: number
  maxEventLength: number | null
}

const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`\`${name}\` must be a non-negative integer, got ${String(value)}`)
  }
  return value
}

function maxEventLength(value: number | null | undefined): number | null {
  if (value === null) return null
  if (value === undefined) return DEFAULT_MAX_EVENT_LENGTH
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(
      `\`maxEventLength\` must be a positive integer or null, got ${String(value)}`,
    )
  }
  return value
}

function resolveRetry(value: EventSourceInit['retryOnFailure']): ResolvedRetry | null {
  if (value === undefined || value === false) return null
  const given: RetryOnFailure = value === true ? {} : value
  const maxAttempts = given.maxAttempts ?? null
  if (maxAttempts !== null) nonNegative('retryOnFailure.maxAttempts', maxAttempts, 0)
  return {
    initialMs: nonNegative('retryOnFailure.initialMs', given.initialMs, DEFAULT_FAILURE_INITIAL_MS),
    maxMs: nonNegative('retryOnFailure.maxMs', given.maxMs, DEFAULT_FAILURE_MAX_MS),
    maxAttempts,
    everyStatus: false,
  }
}

/**
 * Fills in defaults and checks the init dictionary.
 *
 * @throws {TypeError} naming the bad field and what it must be.
 */
export function resolveInit(init: EventSourceInit = {}): ResolvedInit {
  if (init.fetch === undefined && typeof globalThis.fetch !== 'function') {
    throw new TypeError('`fetch` must be given: this runtime has no global fetch')
  }
  if (init.fetch !== undefined && typeof init.fetch !== 'function') {
    throw new TypeError('`fetch` must be a function')
  }
  // Called through a wrapper: a browser's fetch throws when called as a method of another object.
  const fetchFn: FetchLike = init.fetch ?? ((input, request) => globalThis.fetch(input, request))
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (typeof value !== 'string') throw new TypeError(`header \`${name}\` must be a string`)
    headers[name.toLowerCase()] = value
  }
  // Checked now, where a bad one is the caller's mistake, rather than on every attempt.
  try {
    new Headers(headers)
  } catch (cause) {
    throw new TypeError(`\`headers\` holds a name or value HTTP cannot carry: ${String(cause)}`)
  }
  const method = (init.method ?? 'GET').toUpperCase()
  if (init.body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError(`\`body\` needs a method that takes one, not ${method}`)
  }
  return {
    withCredentials: init.withCredentials === true,
    headers,
    method,
    body: init.body,
    fetch: fetchFn,
    retryOnFailure: resolveRetry(init.retryOnFailure),
    share: init.share !== false,
    lastEventId: init.lastEventId ?? '',
    reconnectionMs: nonNegative('reconnectionMs', init.reconnectionMs, DEFAULT_RECONNECTION_MS),
    maxQueuedEvents: nonNegative(
      'maxQueuedEvents',
      init.maxQueuedEvents,
      DEFAULT_MAX_QUEUED_EVENTS,
    ),
    maxEventLength: maxEventLength(init.maxEventLength),
  }
}
