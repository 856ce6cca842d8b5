/**
 * A web-standard `Request` as a {@link HubRequest}: header values as browsers encode them, and
 * a body read under its size limit and deadline.
 */
import { SseError } from '../errors.js'
import type { HubRequest } from '../http/types.js'
import { underBasePath } from './mount.js'

const NON_ASCII = /[\u0080-\u00ff]/
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * A header value as the client meant it. `Headers` holds each byte as one character (a
 * ByteString), while browsers send UTF-8 (an `EventSource` resuming after the id `é` sends its
 * two bytes); bytes that are not valid UTF-8 are kept as they came.
 */
function decodeHeaderValue(bytes: string): string {
  if (!NON_ASCII.test(bytes)) return bytes
  const array = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i)
  try {
    return UTF8.decode(array)
  } catch {
    return bytes
  }
}

/** What the runtime knows of a request beyond the `Request` itself. */
export interface WebRequestInfo {
  /** The client's IP address, when the runtime tells it (Bun's `server.requestIP`, say). */
  readonly clientAddress?: string | undefined
  /** 2 when the request came over HTTP/2. @defaultValue 1 */
  readonly httpVersionMajor?: number | undefined
  /**
   * Cuts this request's connection at once (its HTTP/2 stream alone), where the runtime gives a
   * way to; the runtime then cancels the response body, as for a client gone. An event stream
   * cut for a reader too slow or stalled goes this way; without it, its body errors, which some
   * runtimes report as a failed response (`@hono/node-server` logs it with `console.error`).
   * @defaultValue none: the body errors
   */
  readonly destroy?: (() => void) | undefined
}

/** A {@link HubRequest} read from a web `Request`. */
export class WebHubRequest implements HubRequest {
  readonly method: string
  readonly url: URL
  readonly httpVersionMajor: number
  readonly clientAddress: string | undefined
  /** Whether the request's path lies outside the base path: no route of the hub is there. */
  readonly outside: boolean
  readonly #request: Request
  readonly #bodyTimeoutMs: number | null

  /**
   * @param bodyTimeoutMs how long the body may take to arrive; `null`: no limit.
   * @param basePath the path the hub is served under (checked), `''` for none: the request's
   *   URL is seen without it, and one outside it is {@link WebHubRequest.outside}.
   * @throws {TypeError} for a request whose URL WHATWG URL refuses.
   */
  constructor(request: Request, info: WebRequestInfo, bodyTimeoutMs: number | null, basePath = '') {
    this.#request = request
    this.#bodyTimeoutMs = bodyTimeoutMs
    this.method = request.method.toUpperCase()
    this.url = new URL(request.url)
    const path = underBasePath(this.url.pathname, basePath)
    this.outside = path === undefined
    if (path !== undefined && basePath !== '') this.url.pathname = path
    this.httpVersionMajor = info.httpVersionMajor ?? 1
    this.clientAddress = info.clientAddress
  }

  header(name: string): string | undefined {
    const value = this.#request.headers.get(name)
    return value === null ? undefined : decodeHeaderValue(value)
  }

  body(limit: number): Promise<Uint8Array> {
    return readBody(this.#request, limit, this.#bodyTimeoutMs)
  }
}

const tooLarge = (limit: number) =>
  new SseError('ERR_SSE_PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${limit} bytes`)

async function readBody(
  request: Request,
  limit: number,
  timeoutMs: number | null,
): Promise<Uint8Array> {
  const body = request.body
  if (body === null) return new Uint8Array(0)
  if (request.bodyUsed) {
    throw new SseError(
      'ERR_SSE_BAD_REQUEST',
      'the request body was read before the hub: mount the hub before what reads it',
    )
  }
  // A declared length over the limit is refused before a byte is read; the runtime deals with
  // the unread rest.
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) throw tooLarge(limit)
  const reader = body.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline =
    timeoutMs === null
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              new SseError('ERR_SSE_REQUEST_TIMEOUT', 'the request body did not arrive in time'),
            )
          }, timeoutMs)
        })
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const read = reader.read()
      const { done, value } = await (deadline === undefined ? read : Promise.race([read, deadline]))
      if (done) break
      size += value.byteLength
      if (size > limit) throw tooLarge(limit)
      chunks.push(value)
    }
  } catch (error) {
    reader.cancel().catch(() => {})
    throw error
  } finally {
    clearTimeout(timer)
  }
  // A runtime may end the body of a request its client reset as if it were whole (Node's HTTP/2
  // does, under `@hono/node-server`): short of its declared length, a publish is no publish.
  if (declared >= 0 && size !== declared) {
    throw new SseError('ERR_SSE_BAD_REQUEST', 'the request body was cut short')
  }
  return join(chunks, size)
}

function join(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const joined = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    joined.set(chunk, at)
    at += chunk.byteLength
  }
  return joined
}
