/**
 * The server `listen` (ssehub/node) serves on: `node:http`, or with a certificate an HTTP/2
 * server that speaks HTTP/1.1 to clients that do not offer HTTP/2 (ALPN), each with the
 * adapter's deadlines and connection limits.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2'
import type { TLSSocket } from 'node:tls'
import type { ConnectionLimiter } from './connection-limits.js'
import type { ListenTlsOptions, ResolvedListenOptions } from './node-options.js'

/** A server made by {@link createNodeServer}, with what closing it needs. */
export interface NodeServer<S extends Server | Http2SecureServer = Server | Http2SecureServer> {
  readonly server: S
  /** `https` with a certificate, else `http`. */
  readonly scheme: 'http' | 'https'
  /**
   * Closes what is idle now: HTTP/1 connections between requests; HTTP/2 sessions are told to
   * go away (GOAWAY), each closing once its streams have ended.
   */
  closeIdle(): void
  /** Destroys every connection still open. */
  closeAll(): void
}

/** A request listener as the adapter writes it (HTTP/2 requests in the same shape). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * What an HTTP/2 server with `allowHTTP1` takes over from `node:http` for its HTTP/1.1
 * connections (there since Node 18.x, missing from `@types/node`'s `Http2SecureServer`).
 */
interface Http1Fallback {
  connectionsCheckingInterval: number
  closeIdleConnections(): void
}

/** Node's default TLS handshake deadline, kept where the head deadline is off. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000

/**
 * Makes the server, not yet listening: plain HTTP/1.1, or HTTPS with HTTP/2 when `settings.tls`
 * is set. Connections are counted by `limiter` as they open.
 */
export function createNodeServer(
  settings: ResolvedListenOptions,
  limiter: ConnectionLimiter,
  listener: NodeListener,
): NodeServer {
  if (settings.tls !== null) return createHttp2Server(settings, settings.tls, limiter, listener)
  const server = createServer(
    // Node looks for heads past their deadline on this period (30 s by default): at 10 s a
    // slow head would otherwise last up to 40 s.
    { connectionsCheckingInterval: checkingInterval(settings.headersTimeoutMs) },
    listener,
  )
  setHttp1Deadlines(server, settings)
  server.on('connection', (socket) => limiter.admit(socket))
  return {
    server,
    scheme: 'http',
    closeIdle: () => server.closeIdleConnections(),
    closeAll: () => server.closeAllConnections(),
  }
}

function createHttp2Server(
  settings: ResolvedListenOptions,
  tls: ListenTlsOptions,
  limiter: ConnectionLimiter,
  listener: NodeListener,
): NodeServer<Http2SecureServer> {
  const { headersTimeoutMs, keepAliveTimeoutMs, maxConcurrentStreams } = settings
  const server = createSecureServer(
    {
      cert: tls.cert as string | Buffer,
      key: tls.key as string | Buffer,
      allowHTTP1: true,
      // A connection that never finishes its handshake is bounded like one that never sends a
      // head: it is not counted by the limits until it has.
      handshakeTimeout: headersTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      noDelay: true,
      settings: { maxConcurrentStreams },
    },
    listener as unknown as Parameters<typeof createSecureServer>[1],
  )
  // HTTP/1.1 over TLS goes through `node:http`'s own connection handling, with its deadlines
  // (and its checker, started on 'listening' at this period).
  const http1 = server as unknown as Http1Fallback
  http1.connectionsCheckingInterval = checkingInterval(headersTimeoutMs)
  setHttp1Deadlines(server, settings)
  const sessions = new Set<ServerHttp2Session>()
  const sockets = new Set<TLSSocket>()
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
    limiter.admitConnection({
      key: session,
      remoteAddress: session.socket?.remoteAddress,
      endSilent: () => session.close(),
      onClose: (done) => session.once('close', done),
    })
    closeWhenIdle(session, keepAliveTimeoutMs)
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    // An HTTP/2 connection is counted as its session (above); this is HTTP/1.1 over TLS.
    if (socket.alpnProtocol !== 'h2') limiter.admit(socket)
  })
  return {
    server,
    scheme: 'https',
    closeIdle() {
      http1.closeIdleConnections()
      for (const session of sessions) session.close()
    },
    closeAll() {
      for (const session of sessions) session.destroy()
      for (const socket of sockets) socket.destroy()
    },
  }
}

/**
 * Event streams are long-lived; Node's request timeout (300 s by default) would cut them. Heads
 * and bodies have their own deadlines instead.
 */
function setHttp1Deadlines(server: Server | Http2SecureServer, settings: ResolvedListenOptions) {
  const http1 = server as Server
  http1.requestTimeout = 0
  http1.headersTimeout = settings.headersTimeoutMs ?? 0
  http1.keepAliveTimeout = settings.keepAliveTimeoutMs
}

/**
 * The HTTP/2 form of the keep-alive timeout: a session with no stream open for `idleMs` after
 * its last one ended is told to go away. (Before its first stream, the connection limits'
 * deadline for a first request applies.)
 */
function closeWhenIdle(session: ServerHttp2Session, idleMs: number): void {
  let open = 0
  let idle: ReturnType<typeof setTimeout> | undefined
  session.on('stream', (stream) => {
    open++
    clearTimeout(idle)
    stream.once('close', () => {
      if (--open > 0 || session.closed) return
      idle = setTimeout(() => session.close(), idleMs).unref()
    })
  })
  session.once('close', () => clearTimeout(idle))
}

/** A quarter of the head deadline, from 100 ms to 1 s. */
function checkingInterval(headersTimeoutMs: number | null): number {
  return headersTimeoutMs === null
    ? 30_000
    : Math.min(1000, Math.max(100, Math.floor(headersTimeoutMs / 4)))
}
