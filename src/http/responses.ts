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
  ERR_SSE_METHOD_NOT_ALLOWED: 405,
  ERR_SSE_REQUEST_TIMEOUT: 408,
  ERR_SSE_HEADERS_TOO_LARGE: 431,
  ERR_SSE_TOO_MANY_REQUESTS: 429,
  ERR_SSE_HUB_CLOSED: 503,
  ERR_SSE_TRANSPORT_UNAVAILABLE: 503,
}

/**
 * The challenge a 401 carries (RFC 9110, section 11.6.1, which requires one): a bearer token
 * (RFC 6750), and for one that has expired, that it is the token that is wrong.
 */
const CHALLENGES: Partial<Record<SseErrorCode, string>> = {
  ERR_SSE_UNAUTHORIZED: 'Bearer',
  ERR_SSE_TOKEN_EXPIRED: 'Bearer error="invalid_token", error_description="the token has expired"',
}

/** The reason phrases of the statuses an error is answered with (RFC 9110, section 15). */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** The media type of an RFC 9457 problem details object. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/**
 * An RFC 9457 problem details object as the native API answers it: `type` is `about:blank`
 * (the status says what kind of problem it is), `title` the status's reason phrase, `detail`
 * the message for people, and `code` the stable {@link SseErrorCode} to match on (absent on a
 * 500, whose cause stays in the log).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export interface Problem {
  readonly type: 'about:blank'
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code?: SseErrorCode
}

/** How an error's body is written: problem details (the native API), or its message alone. */
export type ErrorFormat = 'problem' | 'text'

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
 * The error format of a path: a well-known URI (RFC 8615), such as Mercure's
 * `/.well-known/mercure`, belongs to another protocol's specification and keeps its plain-text
 * messages; every other path is the native API, answered with problem details.
 */
export function errorFormatOf(path: string): ErrorFormat {
  return path.startsWith('/.well-known/') ? 'text' : 'problem'
}

/**
 * The response for an error: an {@link SseError} maps to its status (400 for input errors), with
 * `Retry-After` for a {@link TooManyRequestsError} and `X-Content-Type-Options: nosniff` (its
 * message may quote the request); anything else is a 500 whose details stay in the log, not in
 * the response. The body is an RFC 9457 problem details object
 * (`application/problem+json`, with the error's `code`), or with `format` `'text'` its message
 * alone as `text/plain`.
 *
 * @example
 * errorResponse(new SseError('ERR_SSE_NOT_FOUND', 'no route for /x'))
 * // 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"no route for /x","code":"ERR_SSE_NOT_FOUND"}
 */
export function errorResponse(error: unknown, format: ErrorFormat = 'problem'): HubBodyResponse {
  if (!(error instanceof SseError)) {
    if (format === 'text') return textResponse(500, 'internal error\n')
    return problemResponse(500, 'internal error', undefined, {})
  }
  const status = STATUS_BY_CODE[error.code] ?? 400
  // The message may quote the request (a refused topic, a path): no browser may take the body
  // for a page of the hub's origin, whatever a link put in it.
  const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' }
  if (error instanceof TooManyRequestsError) {
    headers['retry-after'] = String(error.retryAfterSeconds)
  }
  const challenge = CHALLENGES[error.code]
  if (challenge !== undefined) headers['www-authenticate'] = challenge
  if (format === 'text') return textResponse(status, `${error.message}\n`, headers)
  return problemResponse(status, error.message, error.code, headers)
}

function problemResponse(
  status: number,
  detail: string,
  code: SseErrorCode | undefined,
  headers: Record<string, string>,
): HubBodyResponse {
  const problem: Problem = {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(code === undefined ? {} : { code }),
  }
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
    body: `${JSON.stringify(problem)}\n`,
  }
}
