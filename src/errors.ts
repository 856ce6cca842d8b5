/**
 * The one error class of ssehub, with a stable `code` users can match on.
 *
 * Every code is listed, with its meaning, in `docs/reference/errors.md`; a test keeps that list
 * and {@link SSE_ERROR_CODES} in sync.
 *
 * @example
 * ```ts
 * try { encodeEvent({ data: 'x', event: 'a\nb' }) }
 * catch (err) { if (err instanceof SseError && err.code === 'ERR_SSE_INVALID_EVENT') … }
 * ```
 */
export const SSE_ERROR_CODES = [
  // protocol: encoding
  'ERR_SSE_INVALID_DATA',
  'ERR_SSE_INVALID_EVENT',
  'ERR_SSE_INVALID_ID',
  'ERR_SSE_INVALID_RETRY',
  'ERR_SSE_INVALID_COMMENT',
  // protocol: parsing (reported through `onError`, never thrown)
  'ERR_SSE_PARSE_INVALID_RETRY',
  'ERR_SSE_PARSE_UNKNOWN_FIELD',
  // hub
  'ERR_SSE_INVALID_TOPIC',
  'ERR_SSE_TOO_MANY_TOPICS',
  'ERR_SSE_SELECTOR_LIMIT',
  'ERR_SSE_HUB_CLOSED',
  // transport
  'ERR_SSE_TRANSPORT_UNAVAILABLE',
  // http
  'ERR_SSE_BAD_REQUEST',
  'ERR_SSE_PAYLOAD_TOO_LARGE',
  'ERR_SSE_UNSUPPORTED_MEDIA_TYPE',
  'ERR_SSE_UNAUTHORIZED',
  'ERR_SSE_TOKEN_EXPIRED',
  'ERR_SSE_FORBIDDEN',
  'ERR_SSE_NOT_FOUND',
  'ERR_SSE_REQUEST_TIMEOUT',
  'ERR_SSE_HEADERS_TOO_LARGE',
  'ERR_SSE_TOO_MANY_REQUESTS',
  // client
  'ERR_SSE_CONNECT_FAILED',
] as const

/** A stable error code; see {@link SSE_ERROR_CODES}. */
export type SseErrorCode = (typeof SSE_ERROR_CODES)[number]

/** Base error of ssehub: `code` is stable across releases, `message` is for people. */
export class SseError extends Error {
  readonly code: SseErrorCode

  constructor(code: SseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SseError'
    this.code = code
  }
}

/**
 * `ERR_SSE_TOO_MANY_REQUESTS` with when to try again: over HTTP, a 429 with `Retry-After`.
 *
 * @example
 * throw new TooManyRequestsError('publishing too fast; retry in 2 s', 2)
 */
export class TooManyRequestsError extends SseError {
  /** Whole seconds to wait before trying again (at least 1). */
  readonly retryAfterSeconds: number

  constructor(message: string, retryAfterSeconds: number) {
    super('ERR_SSE_TOO_MANY_REQUESTS', message)
    this.name = 'TooManyRequestsError'
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds))
  }
}
