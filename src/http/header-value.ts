/**
 * Response header values made from request or event data: only in a form HTTP can carry.
 */

const NON_ASCII = /[\u0080-\uffff]/
const utf8 = new TextEncoder()

/**
 * `text` as a response header value, or `undefined` when HTTP cannot carry it.
 *
 * Characters beyond ASCII are sent as their UTF-8 bytes, the way browsers send a header such as
 * `Last-Event-ID` (`node:http` writes a header string one byte per character, so the bytes go
 * out as latin1 characters). Control characters, and spaces or tabs at either end (a recipient
 * strips them, so the value would not come back the same), have no such form: `undefined`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.5 (field values)
 * @example
 * headerValue('snow☃') // 'snow\u00e2\u0098\u0083': the bytes E2 98 83 on the wire
 * headerValue('a\u0001b') // undefined
 */
export function headerValue(text: string): string | undefined {
  const bytes = NON_ASCII.test(text) ? latin1(utf8.encode(text)) : text
  return isFieldValue(bytes) ? bytes : undefined
}

// One character per byte. Built in slices: `String.fromCharCode` with a whole long header's
// bytes as arguments could pass the engine's limit on arguments.
function latin1(bytes: Uint8Array): string {
  let text = ''
  for (let at = 0; at < bytes.byteLength; at += 4096) {
    text += String.fromCharCode(...bytes.subarray(at, at + 4096))
  }
  return text
}

/** RFC 9110 field-value, one byte per character: visible bytes, spaces and tabs only inside. */
function isFieldValue(bytes: string): boolean {
  const last = bytes.length - 1
  for (let i = 0; i <= last; i++) {
    const code = bytes.charCodeAt(i)
    const visible = (code > 0x20 && code < 0x7f) || (code >= 0x80 && code <= 0xff)
    if (visible) continue
    if ((code === 0x20 || code === 0x09) && i > 0 && i < last) continue
    return false
  }
  return true
}
