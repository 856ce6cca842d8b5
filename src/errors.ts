/**
 * The codes of every `SseError` ssehub throws or reports, with the class typed by them.
 *
 * The class itself lives with the protocol (`protocol/errors.ts`), so that the protocol and the
 * client use it without the rest of the system's codes; here it is the same class, its `code`
 * typed as any of {@link SSE_ERROR_CODES}. Every code is listed, with its meaning, in
 * `docs/reference/errors.md`; a test keeps that list and {@link SSE_ERROR_CODES} in sync.
 *
 * @example
 * ```ts
 * try { await hub.publish('news', { data: 'x' }) }
 * catch (err) { if (err instanceof SseError && err.code === 'ERR_SSE_HUB_CLOSED') … }
 * ```
 */
import { SseError as BaseSseError, PROTOCOL_ERROR_CODES } from './protocol/errors.js'

/** Every stable error code: the protocol's and the client's, then the system's. */
export const SSE_ERROR_CODES = [
  ...PROTOCOL_ERROR_CODES,
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
  'ERR_SSE_FORBIDDEN',
  'ERR_SSE_NOT_FOUND',
  'ERR_SSE_METHOD_NOT_ALLOWED',
  'ERR_SSE_REQUEST_TIMEOUT',
  'ERR_SSE_HEADERS_TOO_LARGE',
  'ERR_SSE_TOO_MANY_REQUESTS',
] as const

/** A stable error code; see {@link SSE_ERROR_CODES}. */
export type SseErrorCode = (typeof SSE_ERROR_CODES)[number]

/** Base error of ssehub: `code` is stable across releases, `message` is for people. */
export type SseError = BaseSseError<SseErrorCode>

/**
 * The one error class (`protocol/errors.ts`), its constructor taking only known codes: the same
 * class, so `instanceof` holds for every `SseError`, the protocol's included.
 */
export const SseError: new (
  code: SseErrorCode,
  message: string,
  options?: { cause?: unknown },
) => SseError = BaseSseError

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
