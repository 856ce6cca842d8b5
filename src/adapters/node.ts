/**
 * ssehub/node: serve a {@link HubApp} with `node:http`.
 *
 * @example
 * ```ts
 * import { createHubApp } from 'ssehub'
 * import { listen } from 'ssehub/node'
 * const server = await listen(createHubApp(), { port: 3000 })
 * // later: await server.close()
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SseError } from '../errors.js'
import type { HubApp } from '../http/app.js'
import type { HubRequest, HubResponse } from '../http/types.js'
import { NodeSink } from './node-sink.js'

/** Default for {@link ListenOptions.closeTimeoutMs}: how long a graceful close may take. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000

/** Where and how to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. @defaultValue 3000 */
  port?: number | undefined
  /** Interface to bind. @defaultValue Node's default (all interfaces) */
  host?: string | undefined
  /** After this, connections still open at close are destroyed. @defaultValue {@link DEFAULT_CLOSE_TIMEOUT_MS} */
  closeTimeoutMs?: number | undefined
}

/** A running server. */
export interface RunningServer {
  /** The `node:http` server. */
  readonly server: Server
  /** The port it listens on (useful with port 0). */
  readonly port: number
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string
  /**
   * Stops accepting, ends every stream with a `retry:` hint, and resolves when all connections
   * are closed (destroying those still open after `closeTimeoutMs`).
   */
  close(): Promise<void>
}

/** A `node:http` request listener answering with `app`. */
export function toNodeListener(app: HubApp): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let request: HubRequest
    try {
      request = toHubRequest(req)
    } catch {
      // A request target Node's parser lets through but WHATWG URL refuses, such as `//[`.
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('the request target is not a valid URL\n')
      return
    }
    app.handle(request).then(
      (response) => writeResponse(res, response),
      () => {
        // app.handle never rejects; this only guards against a broken custom app.
        if (!res.headersSent) res.writeHead(500).end()
      },
    )
  }
}

/** Serves `app` on a new `node:http` server. */
export async function listen(app: HubApp, options: ListenOptions = {}): Promise<RunningServer> {
  const server = createServer(toNodeListener(app))
  // Event streams are long-lived; Node's default request timeout (300 s) would cut them.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 3000, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port, address, family } = server.address() as AddressInfo
  const host = family === 'IPv6' ? `[${address}]` : address
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
  let closing: Promise<void> | undefined
  return {
    server,
    port,
    url: `http://${address === '::' || address === '0.0.0.0' ? 'localhost' : host}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        app.close()
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), closeTimeoutMs).unref()
      })
      return closing
    },
  }
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
}

function toHubRequest(req: IncomingMessage): HubRequest {
  return {
    method: req.method ?? 'GET',
    url: new URL(req.url ?? '/', 'http://localhost'),
    httpVersionMajor: req.httpVersionMajor,
    clientAddress: req.socket.remoteAddress,
    header(name) {
      const value = req.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    },
    body: (limit) => readBody(req, limit),
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  // With its length declared, the body is whole once that many bytes are buffered; a small
  // body sent with its head is, after the microtasks that follow the head's parsing. Taken
  // from the buffer then, a publish goes on a tick or two before 'data' and 'end' would come
  // (bench/README.md, round 13). Otherwise, or past the limit, it streams.
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
  return streamedBody(req, limit, declared)
}

function streamedBody(req: IncomingMessage, limit: number, declared: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new SseError('ERR_SSE_PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${limit} bytes`)
    // Past the limit the rest is drained, not read: destroying the request would take the
    // socket with it, and the client would see a reset instead of the 413.
    if (declared > limit) {
      req.resume()
      return reject(tooLarge())
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      chunks.length = 0
      reject(tooLarge())
    })
    // A small body comes in one chunk: hand it over as it is rather than copy it.
    req.once('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    )
    req.once('error', reject)
  })
}

function writeResponse(res: ServerResponse, response: HubResponse): void {
  if ('body' in response) {
    const { status, headers, body } = response
    // With its length known the head and body leave in one plain write; without it Node frames
    // the body as chunks and sends head, size line, body and terminator as a five-part writev,
    // the costliest step of answering a publish. 204 and 304 carry no body and no length.
    if (status !== 204 && status !== 304) headers['content-length'] = String(byteLength(body))
    res.writeHead(status, headers)
    res.end(body)
    return
  }
  res.writeHead(response.status, response.headers)
  // Headers go out now, not with the first event: EventSource reports `open` on them.
  res.flushHeaders()
  res.socket?.setNoDelay(true)
  response.start(new NodeSink(res))
}
