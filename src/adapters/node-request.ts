/**
 * A `node:http` request as a {@link HubRequest}: header values as browsers encode them, and a
 * body that must arrive within a deadline.
 */
import type { IncomingMessage } from 'node:http'
import { SseError } from '../errors.js'
import type { HubRequest } from '../http/types.js'
import { parsedBody } from './parsed-body.js'

const NON_ASCII = /[\u0080-\uffff]/
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * A header value as the client meant it. Browsers send UTF-8 (an `EventSource` resuming after
 * the id `é` sends its two bytes), while Node reads each header byte as one latin1 character;
 * bytes that are not valid UTF-8 are kept as Node read them.
 *
 * @example
 * decodeHeaderValue('\u00c3\u00a9') // 'é'
 */
export function decodeHeaderValue(latin1: string): string {
  if (!NON_ASCII.test(latin1)) return latin1
  try {
    return UTF8.decode(Buffer.from(latin1, 'latin1'))
  } catch {
    return latin1
  }
}

/** A {@link HubRequest} read from a `node:http` request, with its body deadline. */
export class NodeHubRequest implements HubRequest {
  readonly method: string
  readonly url: URL
  readonly httpVersionMajor: number
  readonly clientAddress: string | undefined
  /** Set when the body missed its deadline: the answer then closes the connection. */
  timedOut = false
  /** When the body must be in (`Date.now()` time); `Infinity`: no deadline. */
  readonly bodyDeadline: number
  readonly #req: IncomingMessage

  /**
   * @param bodyTimeoutMs how long after its head the body may take to arrive; `null`: no limit.
   * @throws {TypeError} for a request target WHATWG URL refuses, such as `//[`.
   */
  constructor(req: IncomingMessage, bodyTimeoutMs: number | null) {
    this.#req = req
    this.method = req.method ?? 'GET'
    this.url = new URL(req.url ?? '/', 'http://localhost')
    this.httpVersionMajor = req.httpVersionMajor
    this.clientAddress = req.socket.remoteAddress
    this.bodyDeadline =
      bodyTimeoutMs === null ? Number.POSITIVE_INFINITY : Date.now() + bodyTimeoutMs
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name]
    if (value === undefined) return undefined
    return decodeHeaderValue(Array.isArray(value) ? value.join(', ') : value)
  }

  body(limit: number): Promise<Uint8Array> {
    if (this.timedOut) return Promise.reject(timeoutError())
    // Read to its end before the hub saw it: a body parser of the host app (Express) has it.
    if (this.#req.readableEnded) return Promise.resolve().then(() => parsedBody(this.#req, limit))
    return readBody(this.#req, limit, this)
  }
}

function cutShort(): SseError {
  return new SseError('ERR_SSE_BAD_REQUEST', 'the request body was cut short')
}

function timeoutError(): SseError {
  return new SseError('ERR_SSE_REQUEST_TIMEOUT', 'the request body did not arrive in time')
}

async function readBody(
  req: IncomingMessage,
  limit: number,
  request: NodeHubRequest,
): Promise<Uint8Array> {
  // With its length declared, the body is whole once that many bytes are buffered; a small
  // body sent with its head is, after the microtasks that follow the head's parsing. Taken
  // from the buffer then, a publish goes on a tick or two before 'data' and 'end' would come.
  // Otherwise, or past the limit, it streams.
  const declared = Number(req.headers['content-length'])
  if (declared <= limit) {
    if (req.readableLength < declared) await undefined
    if (req.readableLength === declared && req.listenerCount('data') === 0) {
      const body = declared === 0 ? null : (req.read() as Buffer | null)
      // Let the request run to its end ('end', 'close') as it would if read through 'data'.
      req.resume()
      return body ?? Buffer.alloc(0)
    }
  }
  return streamedBody(req, limit, declared, request)
}

function streamedBody(
  req: IncomingMessage,
  limit: number,
  declared: number,
  request: NodeHubRequest,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new SseError('ERR_SSE_PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${limit} bytes`)
    // Past the limit the rest is drained, not read: destroying the request would take the
    // socket with it, and the client would see a reset instead of the 413. The adapter bounds
    // how long that drain may last.
    if (declared > limit) {
      req.resume()
      return reject(tooLarge())
    }
    const chunks: Buffer[] = []
    let size = 0
    // Only a body that has to be waited for gets a timer: one sent with its head never does.
    const wait = request.bodyDeadline - Date.now()
    const timer =
      wait === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(
            () => {
              request.timedOut = true
              size = limit + 1
              chunks.length = 0
              reject(timeoutError())
            },
            Math.max(0, wait),
          ).unref()
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      chunks.length = 0
      clearTimeout(timer)
      reject(tooLarge())
    })
    req.once('end', () => {
      clearTimeout(timer)
      // An HTTP/2 stream the client reset (a fetch aborted) ends its request as if the body
      // were whole, and one ended short of its declared length can too: a publish cut short is
      // no publish.
      if (req.aborted || (declared >= 0 && size !== declared)) return reject(cutShort())
      // A small body comes in one chunk: hand it over as it is rather than copy it.
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))
    })
    req.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}
