/**
 * Small constructors for the complete responses the routes answer with.
 */
import { SseError, type SseErrorCode, TooManyRequestsError } from '../errors.js'
import type { HubBodyResponse } from './types.js'

const STATUS_BY_CODE: Partial<Record<SseErrorCode, number>> = {
  ERR_SSE_PAYLOAD_TOO_LARGE: 413,
  ERR_SSE_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_SSE_UNAUTHORIZED: 401,
  ERR_SSE_TOKEN_EXPIRED: 401,
  ERR_SSE_FORBIDDEN: 403,
  ERR_SSE_NOT_FOUND: 404,
  ERR_SSE_REQUEST_TIMEOUT: 408,
  ERR_SSE_HEADERS_TOO_LARGE: 431,
  ERR_SSE_TOO_MANY_REQUESTS: 429,
  ERR_SSE_HUB_CLOSED: 503,
  ERR_SSE_TRANSPORT_UNAVAILABLE: 503,
}

/** A `text/plain` response. */
export function textResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): HubBodyResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body }
}

/** An `application/json` response. */
export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): HubBodyResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  }
}

/**
 * The response for an error: an {@link SseError} maps to its status (400 for input errors) and
 * its message, with `Retry-After` for a {@link TooManyRequestsError}; anything else is a 500 whose details stay in the log, not in the response.
 */
export function errorResponse(error: unknown): HubBodyResponse {
  if (error instanceof SseError) {
    const headers: Record<string, string> =
      error instanceof TooManyRequestsError
        ? { 'retry-after': String(error.retryAfterSeconds) }
        : {}
    return textResponse(STATUS_BY_CODE[error.code] ?? 400, `${error.message}\n`, headers)
  }
  return textResponse(500, 'internal error\n')
}
