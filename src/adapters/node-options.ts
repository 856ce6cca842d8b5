/**
 * The options of `listen` (ssehub/node), their defaults, and the one place they are checked.
 */
import { createSecureContext } from 'node:tls'
import { nonNegativeInteger, positiveIntegerOrNull } from '../hub/options.js'
import type { Logger } from '../logger.js'
import { defaultMaxConnections } from './connection-limits.js'

/** Default for {@link ListenOptions.closeTimeoutMs}: how long a graceful close may take. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000
/** Default for {@link ListenOptions.headersTimeoutMs}: 10 s for a request head. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
/** Default for {@link ListenOptions.bodyTimeoutMs}: 10 s for a request body (1 MiB at 100 KiB/s). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000
/** Default for {@link ListenOptions.keepAliveTimeoutMs}: Node's own, 5 s. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5000

/**
 * Default for {@link ListenOptions.maxConcurrentStreams}: the streams one HTTP/2 connection may
 * hold open at once, the floor RFC 9113 recommends (nginx uses 128; Node's own default has no
 * bound).
 */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100

/**
 * A certificate and its key, to serve HTTPS: HTTP/2 to clients that offer it (every browser),
 * HTTP/1.1 to the others, chosen by ALPN. Over HTTP/2 all of a browser's event streams to one
 * origin share one connection, so HTTP/1.1's six connections per host no longer cap its tabs.
 *
 * @example
 * ```ts
 * await listen(app, { port: 443, tls: { cert: readFileSync('cert.pem'), key: readFileSync('key.pem') } })
 * ```
 */
export interface ListenTlsOptions {
  /** The certificate chain, PEM (the server's certificate first). */
  cert: string | Uint8Array
  /** The certificate's private key, PEM, unencrypted. */
  key: string | Uint8Array
}

/** Where and how to listen. `undefined` is the default, `null` turns a limit off. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. @defaultValue 3000 */
  port?: number | undefined
  /** Interface to bind. @defaultValue Node's default (all interfaces) */
  host?: string | undefined
  /** After this, connections still open at close are destroyed. @defaultValue {@link DEFAULT_CLOSE_TIMEOUT_MS} */
  closeTimeoutMs?: number | undefined
  /**
   * Longest time for a request head: from its first byte, or from the connection for its first
   * request. Past it the connection gets a 408 and is closed. `null`: no limit (slow clients
   * could then hold every connection). @defaultValue {@link DEFAULT_HEADERS_TIMEOUT_MS}
   */
  headersTimeoutMs?: number | null | undefined
  /**
   * Longest time for a request body, from the end of its head. Past it the request is answered
   * 408 (`ERR_SSE_REQUEST_TIMEOUT`) and the connection closed. `null`: no limit.
   * @defaultValue {@link DEFAULT_BODY_TIMEOUT_MS}
   */
  bodyTimeoutMs?: number | null | undefined
  /** How long an idle keep-alive connection is kept between requests. @defaultValue {@link DEFAULT_KEEP_ALIVE_TIMEOUT_MS} */
  keepAliveTimeoutMs?: number | undefined
  /**
   * Connections kept at once; past it, requests are answered and the connection closed (see
   * `docs/decisions/0030-connection-limits.md`). Per process (each `--workers` process has
   * its own). `null`: no limit.
   * @defaultValue the open-files limit less a headroom: `defaultMaxConnections()`
   */
  maxConnections?: number | null | undefined
  /**
   * Connections kept at once from one client address. Off by default: behind a proxy or a NAT
   * every client shares one address. `null`: no limit. @defaultValue null
   */
  maxConnectionsPerIp?: number | null | undefined
  /** Where the server logs. @defaultValue the app's logger */
  logger?: Logger | undefined
  /**
   * Serve HTTPS, with HTTP/2 and HTTP/1.1 fallback, with this certificate and key. `null`: plain
   * HTTP/1.1. @defaultValue null
   */
  tls?: ListenTlsOptions | null | undefined
  /**
   * With {@link ListenOptions.tls}: the streams (requests, event streams among them) one HTTP/2
   * connection may have open at once, announced to the client in its settings. The connection
   * limits count connections, not streams: at most `maxConnections` times this many streams.
   * @defaultValue {@link DEFAULT_MAX_CONCURRENT_STREAMS}
   */
  maxConcurrentStreams?: number | undefined
}

/** {@link ListenOptions} checked, with defaults filled in. */
export interface ResolvedListenOptions {
  port: number
  host: string | undefined
  closeTimeoutMs: number
  headersTimeoutMs: number | null
  bodyTimeoutMs: number | null
  keepAliveTimeoutMs: number
  maxConnections: number | null
  maxConnectionsPerIp: number | null
  logger: Logger
  tls: ListenTlsOptions | null
  maxConcurrentStreams: number
}

/** Largest delay a Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Fills in defaults and checks every option.
 *
 * @throws {TypeError} naming the bad option and what it must be.
 */
export function resolveListenOptions(
  options: ListenOptions,
  logger: Logger,
): ResolvedListenOptions {
  const port = nonNegativeInteger('port', options.port, 3000)
  if (port > 65_535) throw new TypeError(`\`port\` must be at most 65535, got ${port}`)
  if (options.host !== undefined && typeof options.host !== 'string') {
    throw new TypeError('`host` must be a string')
  }
  const timeout = (name: string, value: number | null | undefined, fallback: number | null) => {
    const checked = positiveIntegerOrNull(name, value, fallback)
    if (checked !== null && checked > MAX_TIMER_MS) {
      throw new TypeError(`\`${name}\` must be at most ${MAX_TIMER_MS} ms, got ${checked}`)
    }
    return checked
  }
  const keepAlive = options.keepAliveTimeoutMs
  if (keepAlive === null) throw new TypeError('`keepAliveTimeoutMs` must be a positive integer')
  return {
    port,
    host: options.host,
    closeTimeoutMs: nonNegativeInteger(
      'closeTimeoutMs',
      options.closeTimeoutMs,
      DEFAULT_CLOSE_TIMEOUT_MS,
    ),
    headersTimeoutMs: timeout(
      'headersTimeoutMs',
      options.headersTimeoutMs,
      DEFAULT_HEADERS_TIMEOUT_MS,
    ),
    bodyTimeoutMs: timeout('bodyTimeoutMs', options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS),
    keepAliveTimeoutMs: timeout(
      'keepAliveTimeoutMs',
      keepAlive,
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    ) as number,
    maxConnections: positiveIntegerOrNull(
      'maxConnections',
      options.maxConnections,
      options.maxConnections === undefined ? defaultMaxConnections() : null,
    ),
    maxConnectionsPerIp: positiveIntegerOrNull(
      'maxConnectionsPerIp',
      options.maxConnectionsPerIp,
      null,
    ),
    logger: options.logger ?? logger,
    tls: tlsOption(options.tls),
    maxConcurrentStreams: maxConcurrentStreams(options.maxConcurrentStreams),
  }
}

/** Largest value of an HTTP/2 setting (RFC 9113 section 6.5.2). */
const MAX_SETTING = 2 ** 32 - 1

function maxConcurrentStreams(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_CONCURRENT_STREAMS
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_SETTING) {
    throw new TypeError(
      `\`maxConcurrentStreams\` must be an integer from 1 to ${MAX_SETTING}, got ${String(value)}`,
    )
  }
  return value
}

/**
 * Checks that `tls` holds a certificate and its key, loaded as Node will serve them: a malformed
 * PEM, or a key of another certificate, is refused here rather than at the first handshake.
 */
function tlsOption(tls: ListenTlsOptions | null | undefined): ListenTlsOptions | null {
  if (tls === undefined || tls === null) return null
  if (typeof tls !== 'object') throw new TypeError('`tls` must be { cert, key } or null')
  for (const name of ['cert', 'key'] as const) {
    const value: unknown = tls[name]
    const pem = typeof value === 'string' || value instanceof Uint8Array
    if (!pem || value.length === 0) {
      throw new TypeError(`\`tls.${name}\` must be a PEM string or buffer, not empty`)
    }
  }
  try {
    createSecureContext({ cert: tls.cert as string | Buffer, key: tls.key as string | Buffer })
  } catch (error) {
    throw new TypeError(
      `\`tls\` must hold a PEM certificate and its private key: ${(error as Error).message}`,
      { cause: error },
    )
  }
  return { cert: tls.cert, key: tls.key }
}
