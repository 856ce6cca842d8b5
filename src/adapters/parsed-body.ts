/**
 * The body of a Node request that a body parser read before the hub (Express's `express.json()`,
 * `express.urlencoded()`, `express.text()`, `express.raw()`), as bytes again from `req.body`.
 */
import type { IncomingMessage } from 'node:http'
import { SseError } from '../errors.js'

const ENCODER = new TextEncoder()

/** A request whose stream is read to its end, with what a parser made of it. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown
}

const notAvailable = () =>
  new SseError(
    'ERR_SSE_BAD_REQUEST',
    'the request body was read before the hub and cannot be rebuilt: mount ssehub() before body parsers',
  )

/**
 * The body a parser left in `req.body`, as the bytes the hub parses: a Buffer or string as it
 * is; an object as JSON, or as a form for a form's media type.
 *
 * @throws {SseError} `ERR_SSE_BAD_REQUEST` for a body no parser kept, or a form nested beyond
 *   fields and lists of fields; `ERR_SSE_PAYLOAD_TOO_LARGE` past `limit` bytes.
 */
export function parsedBody(req: ParsedRequest, limit: number): Uint8Array {
  const bytes = bytesOf(req.body, req.headers['content-type'] ?? '')
  if (bytes.byteLength > limit) {
    throw new SseError('ERR_SSE_PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${limit} bytes`)
  }
  return bytes
}

function bytesOf(body: unknown, contentType: string): Uint8Array {
  if (body instanceof Uint8Array) return body
  if (typeof body === 'string') return ENCODER.encode(body)
  if (typeof body !== 'object' || body === null) throw notAvailable()
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return ENCODER.encode(JSON.stringify(body))
  }
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') throw notAvailable()
      form.append(name, item)
    }
  }
  return ENCODER.encode(form.toString())
}
