/**
 * ssehub/node: serve a {@link HubApp} with `node:http`, or over HTTPS with HTTP/2 (`tls`).
 *
 * @example
 * ```ts
 * import { createHubApp } from 'ssehub'
 * import { listen } from 'ssehub/node'
 * const server = await listen(createHubApp(), { port: 3000 })
 * // later: await server.close()
 * ```
 */
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Http2SecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { HubApp } from '../app/app.js'
import type { HubResponse } from '../http/types.js'
import { type Logger, silentLogger } from '../logger.js'
import { listenUrl } from '../urls.js'
import { ConnectionLimiter, type ConnectionStats } from './connection-limits.js'
import {
  connectionKey,
  endHttp2Exchange,
  Http2Sink,
  isHttp2Request,
  isHttp2Response,
} from './node-http2.js'
import { type ListenOptions, type ListenTlsOptions, resolveListenOptions } from './node-options.js'
import { NodeHubRequest } from './node-request.js'
import { createNodeServer } from './node-server.js'
import { createSocketFrames, NodeSink, type SocketFrames } from './node-sink.js'

export {
  type ConnectionStats,
  defaultMaxConnections,
  readFdLimit,
} from './connection-limits.js'
export {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  type ListenOptions,
  type ListenTlsOptions,
} from './node-options.js'

/** A running server. */
export interface RunningServer<S extends Server | Http2SecureServer = Server> {
  /** The `node:http` server, or the `node:http2` one with {@link ListenOptions.tls}. */
  readonly server: S
  /** The port it listens on (useful with port 0). */
  readonly port: number
  /** Base URL, e.g. `http://127.0.0.1:3000` (`https://` with {@link ListenOptions.tls}). */
  readonly url: string
  /** Connections open now, and requests refused for the connection limits since start. */
  stats(): ConnectionStats
  /**
   * Stops accepting, ends every stream with a `retry:` hint, and resolves when all connections
   * are closed (destroying those still open after `closeTimeoutMs`).
   */
  close(): Promise<void>
}

/** What the request listener needs beside the app. */
interface ListenerSettings {
  readonly bodyTimeoutMs: number | null
  readonly logger: Logger
  readonly limiter: ConnectionLimiter | undefined
}

/**
 * A `node:http` request listener answering with `app`; it answers the requests of a `node:http2`
 * server's compatibility API as well (`http2.createSecureServer(options, listener)`). Without
 * {@link listen}, no connection limit applies, and the server's own timeouts are the caller's
 * to set.
 */
export function toNodeListener(
  app: HubApp,
  options: Pick<ListenOptions, 'bodyTimeoutMs' | 'logger'> = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const { bodyTimeoutMs, logger } = resolveListenOptions(
    { ...options, maxConnections: null },
    app.logger ?? silentLogger,
  )
  return createListener(app, { bodyTimeoutMs, logger, limiter: undefined })
}

function createListener(
  app: HubApp,
  settings: ListenerSettings,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { bodyTimeoutMs, logger, limiter } = settings
  // This server's own: its streams' bytes framed once per broadcast, shared with no other.
  const frames = createSocketFrames()
  return (req, res) => {
    const over = limiter?.noteRequest(connectionKey(req))
    let request: NodeHubRequest
    try {
      request = new NodeHubRequest(req, bodyTimeoutMs)
    } catch {
      // A request target Node's parser lets through but WHATWG URL refuses, such as `//[`.
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('the request target is not a valid URL\n')
      return
    }
    const refusal = over === undefined ? undefined : limiter?.refuse(request, over)
    if (refusal !== undefined) {
      app.counters.refuse('connections')
      return respond(req, res, request, refusal, true, logger, frames)
    }
    app.handle(request).then(
      (response) => respond(req, res, request, response, over !== undefined, logger, frames),
      // app.handle never rejects; this only guards against a broken custom app.
      (error: unknown) => failed(res, error, logger),
    )
  }
}

/**
 * Serves `app` on a new `node:http` server, or with `tls` on a `node:http2` server speaking
 * HTTP/2 and HTTP/1.1 (ALPN).
 *
 * @throws {TypeError} for a bad option, naming it.
 */
export async function listen(
  app: HubApp,
  options: ListenOptions & { tls: ListenTlsOptions },
): Promise<RunningServer<Http2SecureServer>>
export async function listen(
  app: HubApp,
  options?: ListenOptions & { tls?: null | undefined },
): Promise<RunningServer<Server>>
export async function listen(
  app: HubApp,
  options?: ListenOptions,
): Promise<RunningServer<Server | Http2SecureServer>>
export async function listen(
  app: HubApp,
  options: ListenOptions = {},
): Promise<RunningServer<Server | Http2SecureServer>> {
  const settings = resolveListenOptions(options, app.logger ?? silentLogger)
  const { logger } = settings
  const limiter = new ConnectionLimiter(settings, logger)
  const made = createNodeServer(
    settings,
    limiter,
    createListener(app, { bodyTimeoutMs: settings.bodyTimeoutMs, logger, limiter }),
  )
  const { server } = made
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port, address } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    server,
    port,
    url: listenUrl(address, port, made.scheme),
    stats: () => limiter.stats(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        app.close()
        made.closeIdle()
        setTimeout(() => made.closeAll(), settings.closeTimeoutMs).unref()
      })
      return closing
    },
  }
}

/**
 * Writes `response`; a response that cannot be written (a header HTTP cannot carry, say) is
 * logged and becomes a 500, or a cut connection once headers are out, never a throw.
 */
function respond(
  req: IncomingMessage,
  res: ServerResponse,
  request: NodeHubRequest,
  response: HubResponse,
  close: boolean,
  logger: Logger,
  frames: SocketFrames,
): void {
  const http2 = isHttp2Request(req)
  try {
    // HTTP/2 forbids `Connection`: its connection is ended by `endHttp2Exchange` instead.
    writeResponse(res, response, !http2 && (close || request.timedOut), frames)
  } catch (error) {
    failed(res, error, logger)
    return
  }
  if (http2) {
    endHttp2Exchange(req, close)
    return
  }
  // Answered before its body came in whole (a 401 or 413, say): Node drains the rest to keep the
  // connection, so the body deadline still holds.
  if (!req.complete && !request.timedOut) boundDrain(req, request.bodyDeadline)
}

function boundDrain(req: IncomingMessage, deadline: number): void {
  if (deadline === Number.POSITIVE_INFINITY) return
  setTimeout(
    () => {
      if (!req.complete) req.socket.destroy()
    },
    Math.max(0, deadline - Date.now()),
  ).unref()
}

function failed(res: ServerResponse, error: unknown, logger: Logger): void {
  logger.error('could not write a response', { error: String(error) })
  if (res.headersSent) {
    res.destroy()
    return
  }
  // A header that failed may have left the others set on the response.
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  try {
    const type = { 'content-type': 'text/plain; charset=utf-8' }
    // HTTP/2 has no status message and forbids `Connection`.
    if (isHttp2Response(res)) res.writeHead(500, type)
    else res.writeHead(500, STATUS_CODES[500], { ...type, connection: 'close' })
    res.end('internal error\n')
  } catch {
    res.destroy()
  }
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
}

function writeResponse(
  res: ServerResponse,
  response: HubResponse,
  close: boolean,
  frames: SocketFrames,
): void {
  // `Connection: close` makes Node close the socket once the answer is out, freeing its fd.
  if (close) response.headers.connection = 'close'
  // Node sends a head's characters as latin1 bytes when the head leaves on its own, but encodes
  // them as UTF-8 when it joins the head to a string body or flushes it with `flushHeaders`: a
  // header holding UTF-8 bytes (see `headerValue`) would be encoded twice. Such a head is made
  // to leave on its own.
  const bytesInHead = hasNonAsciiValue(response.headers)
  if ('body' in response) {
    const { status, headers, body } = response
    // With its length known the head and body leave in one plain write; without it Node frames
    // the body as chunks and sends head, size line, body and terminator as a five-part writev,
    // the costliest step of answering a publish. 204 and 304 carry no body and no length.
    if (status !== 204 && status !== 304) headers['content-length'] = String(byteLength(body))
    res.writeHead(status, headers)
    res.end(bytesInHead && typeof body === 'string' ? Buffer.from(body) : body)
    return
  }
  res.writeHead(response.status, response.headers)
  // Headers go out now, not with the first event: EventSource reports `open` on them.
  if (bytesInHead) res.write(NO_BYTES)
  else res.flushHeaders()
  if (isHttp2Response(res)) {
    response.start(new Http2Sink(res, frames))
    return
  }
  res.socket?.setNoDelay(true)
  response.start(new NodeSink(res, frames))
}

const NO_BYTES = Buffer.alloc(0)
const NON_ASCII = /[\u0080-\uffff]/

function hasNonAsciiValue(headers: Record<string, string>): boolean {
  for (const name in headers) if (NON_ASCII.test(headers[name] as string)) return true
  return false
}
