/**
 * The error class of ssehub and the codes of the wire format: what the protocol and the client
 * need, without the codes of the rest of the system (those are in `src/errors.ts`).
 *
 * @example
 * ```ts
 * try { encodeEvent({ data: 'x', event: 'a\nb' }) }
 * catch (err) { if (err instanceof SseError && err.code === 'ERR_SSE_INVALID_EVENT') … }
 * ```
 */

/**
 * The codes of the wire format (encoding, and parsing, reported through `onError`) and of the
 * client that sits on it alone; each is listed in `docs/reference/errors.md`.
 */
export const PROTOCOL_ERROR_CODES = [
  // encoding
  'ERR_SSE_INVALID_DATA',
  'ERR_SSE_INVALID_EVENT',
  'ERR_SSE_INVALID_ID',
  'ERR_SSE_INVALID_RETRY',
  'ERR_SSE_INVALID_COMMENT',
  // parsing (reported through `onError`, never thrown)
  'ERR_SSE_PARSE_INVALID_RETRY',
  'ERR_SSE_PARSE_UNKNOWN_FIELD',
  'ERR_SSE_PARSE_EVENT_TOO_LARGE',
  // client
  'ERR_SSE_CONNECT_FAILED',
  'ERR_SSE_CLIENT_QUEUE_FULL',
] as const

/** A code of {@link PROTOCOL_ERROR_CODES}. */
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number]

/**
 * Base error of ssehub: `code` is stable across releases (match on it), `message` is for
 * people. One class for every layer; each layer declares its codes (`Code`), the package's
 * entry types it with all of them (`SseErrorCode`).
 */
export class SseError<Code extends string = string> extends Error {
  readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SseError'
    this.code = code
  }
}
