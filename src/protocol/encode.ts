/**
 * The encoder: one {@link SseEvent} to the bytes of the `text/event-stream` format.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import { type ProtocolErrorCode, SseError } from './errors.js'
import type { SseEvent } from './types.js'

const LINE_BREAK = /\r\n|\r|\n/
const CR_OR_LF = /[\r\n]/
const CR_LF_OR_NUL = /[\r\n\0]/
const utf8 = new TextEncoder()

/**
 * Serializes an event to its wire text, ending in the blank line that dispatches it.
 *
 * Fields are written in the order comment, event, id, retry, data. Multi-line `data` and
 * `comment` are split on CRLF, CR and LF, one line each; a field that would let its value start a
 * new line (CR/LF in `event` or `id`, NUL in `id`, which clients ignore) is refused rather than
 * escaped, so no caller can inject fields.
 *
 * @throws {SseError} `ERR_SSE_INVALID_EVENT`, `ERR_SSE_INVALID_ID`, `ERR_SSE_INVALID_RETRY`,
 *   `ERR_SSE_INVALID_DATA` or `ERR_SSE_INVALID_COMMENT` naming the bad field.
 * @example
 * serializeEvent({ event: 'price', id: '7', data: 'a\nb' })
 * // 'event: price\nid: 7\ndata: a\ndata: b\n\n'
 */
export function serializeEvent(event: SseEvent): string {
  assertValidEvent(event)
  let out = ''
  if (event.comment !== undefined) out += prefixLines(': ', event.comment)
  if (event.event !== undefined) out += `event: ${event.event}\n`
  if (event.id !== undefined) out += `id: ${event.id}\n`
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`
  if (event.data !== undefined) out += prefixLines('data: ', event.data)
  return `${out}\n`
}

/**
 * Encodes an event to UTF-8 bytes, once, so the same bytes can be written to every subscriber.
 *
 * @throws {SseError} as {@link serializeEvent}.
 */
export function encodeEvent(event: SseEvent): Uint8Array {
  return utf8.encode(serializeEvent(event))
}

/**
 * The length of {@link encodeEvent}'s bytes for `event`, without encoding it (to refuse an
 * oversized event before any work is done on it). The event must be valid
 * ({@link assertValidEvent}); a lone surrogate counts as the three bytes of U+FFFD it becomes.
 */
export function encodedLength(event: SseEvent): number {
  let length = 1
  if (event.comment !== undefined) length += linesLength(2, event.comment)
  if (event.event !== undefined) length += 8 + utf8Length(event.event)
  if (event.id !== undefined) length += 5 + utf8Length(event.id)
  if (event.retry !== undefined) length += 8 + String(event.retry).length
  if (event.data !== undefined) length += linesLength(6, event.data)
  return length
}

// The bytes of `text` split into lines (CRLF, CR or LF), each written as prefix, line, LF.
function linesLength(prefixLength: number, text: string): number {
  let lines = 1
  let breakUnits = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x0a || code === 0x0d) {
      lines++
      breakUnits++
      if (code === 0x0d && text.charCodeAt(i + 1) === 0x0a) {
        i++
        breakUnits++
      }
    }
  }
  // Line breaks are one byte each in UTF-8 and are not written: subtract them.
  return utf8Length(text) - breakUnits + lines * (prefixLength + 1)
}

function utf8Length(text: string): number {
  let length = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) length += 1
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A pair: two units, four bytes.
      length += 2
      i++
    } else length += 2
  }
  return length
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

/**
 * Checks an event's fields without encoding it.
 *
 * @throws {SseError} as {@link serializeEvent}.
 */
export function assertValidEvent(event: SseEvent): void {
  const { data, event: type, id, retry, comment } = event
  if (data !== undefined && typeof data !== 'string') {
    throw new SseError<ProtocolErrorCode>(
      'ERR_SSE_INVALID_DATA',
      `\`data\` must be a string, got ${typeof data}`,
    )
  }
  if (comment !== undefined && typeof comment !== 'string') {
    throw new SseError<ProtocolErrorCode>(
      'ERR_SSE_INVALID_COMMENT',
      `\`comment\` must be a string, got ${typeof comment}`,
    )
  }
  if (type !== undefined && (typeof type !== 'string' || CR_OR_LF.test(type))) {
    throw new SseError<ProtocolErrorCode>(
      'ERR_SSE_INVALID_EVENT',
      '`event` must be a string without CR or LF',
    )
  }
  if (id !== undefined && (typeof id !== 'string' || CR_LF_OR_NUL.test(id))) {
    throw new SseError<ProtocolErrorCode>(
      'ERR_SSE_INVALID_ID',
      '`id` must be a string without CR, LF or NUL',
    )
  }
  if (retry !== undefined && !(Number.isSafeInteger(retry) && retry >= 0)) {
    throw new SseError<ProtocolErrorCode>(
      'ERR_SSE_INVALID_RETRY',
      `\`retry\` must be a non-negative integer of milliseconds, got ${String(retry)}`,
    )
  }
}

function prefixLines(prefix: string, text: string): string {
  // A fast path for the common single-line value avoids a split and an array per event.
  if (!CR_OR_LF.test(text)) return `${prefix}${text}\n`
  let out = ''
  for (const line of text.split(LINE_BREAK)) out += `${prefix}${line}\n`
  return out
}
