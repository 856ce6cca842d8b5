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
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HubApp } from '../app/app.js'
import type { HubResponse } from '../http/types.js'
import { type Logger, silentLogger } from '../logger.js'
import { listenUrl } from '../urls.js'
import { ConnectionLimiter, type ConnectionStats } from './connection-limits.js'
import { type ListenOptions, resolveListenOptions } from './node-options.js'
import { NodeHubRequest } from './node-request.js'
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
  type ListenOptions,
} from './node-options.js'

/** A running server. */
export interface RunningServer {
  /** The `node:http` server. */
  readonly server: Server
  /** The port it listens on (useful with port 0). */
  readonly port: number
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
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
 * A `node:http` request listener answering with `app`. Without {@link listen}, no connection
 * limit applies, and the server's own timeouts are the caller's to set.
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
    const over = limiter?.noteRequest(req.socket)
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

/** Serves `app` on a new `node:http` server. @throws {TypeError} for a bad option, naming it. */
export async function listen(app: HubApp, options: ListenOptions = {}): Promise<RunningServer> {
  const settings = resolveListenOptions(options, app.logger ?? silentLogger)
  const { headersTimeoutMs, logger } = settings
  const limiter = new ConnectionLimiter(settings, logger)
  const server = createServer(
    // Node looks for heads past their deadline on this period (30 s by default): at 10 s a
    // slow head would otherwise last up to 40 s.
    { connectionsCheckingInterval: checkingInterval(headersTimeoutMs) },
    createListener(app, { bodyTimeoutMs: settings.bodyTimeoutMs, logger, limiter }),
  )
  // Event streams are long-lived; Node's request timeout (300 s by default) would cut them.
  // Heads and bodies have their own deadlines instead.
  server.requestTimeout = 0
  server.headersTimeout = headersTimeoutMs ?? 0
  server.keepAliveTimeout = settings.keepAliveTimeoutMs
  server.on('connection', (socket) => limiter.admit(socket))
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
    url: listenUrl(address, port),
    stats: () => limiter.stats(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        app.close()
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), settings.closeTimeoutMs).unref()
      })
      return closing
    },
  }
}

/** A quarter of the head deadline, from 100 ms to 1 s. */
function checkingInterval(headersTimeoutMs: number | null): number {
  return headersTimeoutMs === null
    ? 30_000
    : Math.min(1000, Math.max(100, Math.floor(headersTimeoutMs / 4)))
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
  try {
    writeResponse(res, response, close || request.timedOut, frames)
  } catch (error) {
    failed(res, error, logger)
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
    res.writeHead(500, STATUS_CODES[500], {
      'content-type': 'text/plain; charset=utf-8',
      connection: 'close',
    })
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
  res.socket?.setNoDelay(true)
  response.start(new NodeSink(res, frames))
}

const NO_BYTES = Buffer.alloc(0)
const NON_ASCII = /[\u0080-\uffff]/

function hasNonAsciiValue(headers: Record<string, string>): boolean {
  for (const name in headers) if (NON_ASCII.test(headers[name] as string)) return true
  return false
}
