/**
 * How many connections the Node adapter keeps, in all and per client address, how it answers
 * past those limits so that the hub stays reachable, and how long a new connection may stay
 * silent.
 */
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { SseError } from '../errors.js'
import { headerValue } from '../http/header-value.js'
import { errorFormatOf, errorResponse } from '../http/responses.js'
import type { HubBodyResponse, HubRequest } from '../http/types.js'
import type { Logger } from '../logger.js'

/** The open-files limit assumed where `/proc/self/limits` cannot be read (Linux's usual soft limit). */
export const FALLBACK_FD_LIMIT = 1024
/** Share of the open-files limit kept free of connections, within the bounds below. */
export const FD_HEADROOM_RATIO = 0.1
/** Files kept free at least: Node's own (event loop, pipes, thread pool), logs, Redis. */
export const MIN_FD_HEADROOM = 32
/**
 * Files kept free at most: Node's listen backlog (511) of refused connections in flight, with the
 * process's own files, fit in it.
 */
export const MAX_FD_HEADROOM = 512
/** Base of the `retry:` and `Retry-After` sent past a limit; each answer draws 0.5 to 1.5 times it. */
export const REFUSAL_RETRY_MS = 30_000

/** How long a connection past a limit may take to send its first request head. */
export const OVER_LIMIT_HEAD_MS = 2000

// What Node answers to a head past `headersTimeout`, sent to a silent connection as well.
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'

/** Paths answered past a limit, so that a balancer or an operator can still see the process. */
const ALWAYS_ANSWERED = new Set(['/healthz', '/readyz'])

/**
 * The soft limit of open files of this process, from `/proc/self/limits` (Linux); `undefined`
 * where that cannot be read.
 */
export function readFdLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')) {
  let text: string
  try {
    text = read()
  } catch {
    return undefined
  }
  const soft = /^Max open files +(\S+)/m.exec(text)?.[1]
  if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER
  const limit = Number(soft)
  return Number.isSafeInteger(limit) && limit > 0 ? limit : undefined
}

/**
 * The default of `maxConnections`: the open-files limit less a headroom of 10% of it, at least
 * 32 and at most 512 files, for Node's own files, logs, Redis, `/healthz` and refused connections
 * on their way out (see `docs/decisions/0030-connection-limits.md`).
 *
 * @example
 * defaultMaxConnections(1024) // 921
 * defaultMaxConnections(20_000) // 19_488
 */
export function defaultMaxConnections(fdLimit = readFdLimit() ?? FALLBACK_FD_LIMIT): number {
  const headroom = Math.min(
    MAX_FD_HEADROOM,
    Math.max(MIN_FD_HEADROOM, Math.ceil(fdLimit * FD_HEADROOM_RATIO)),
  )
  return Math.max(1, fdLimit - headroom)
}

/** Which limit a connection is over. */
export type ConnectionLimit = 'maxConnections' | 'maxConnectionsPerIp'

/** Counters of the connection limits. */
export interface ConnectionStats {
  /** Connections open now, refused ones included until they close. */
  readonly connections: number
  /** Requests refused since start for `maxConnections`. */
  readonly refusedOverMaxConnections: number
  /** Requests refused since start for `maxConnectionsPerIp`. */
  readonly refusedOverMaxConnectionsPerIp: number
}

/** What {@link ConnectionLimiter} enforces; `null` turns a limit off. */
export interface ConnectionLimits {
  readonly maxConnections: number | null
  readonly maxConnectionsPerIp: number | null
  /** How long a new connection may wait before its first request head begins. */
  readonly headersTimeoutMs: number | null
}

/** A connection as {@link ConnectionLimiter.admitConnection} counts it. */
export interface LimitedConnection {
  /** What requests name the connection by in {@link ConnectionLimiter.noteRequest}. */
  readonly key: object
  readonly remoteAddress: string | undefined
  /** Ends the connection when no request came in time. */
  endSilent(): void
  /** Calls `listener` once when the connection is gone. */
  onClose(listener: () => void): void
}

interface ConnectionState {
  readonly ip: string
  readonly over: ConnectionLimit | undefined
  silence: ReturnType<typeof setTimeout> | undefined
}

/**
 * Counts the server's connections and marks those past a limit as they are accepted: one past a
 * limit is still answered (its fd is spent anyway), then closed. Connections already admitted
 * keep being served. Logs once when a limit is first reached, and again only once it has
 * cleared (back under 90% of it), so that a limit held for hours writes two lines, not millions.
 */
export class ConnectionLimiter {
  readonly #limits: ConnectionLimits
  readonly #logger: Logger
  readonly #states = new WeakMap<object, ConnectionState>()
  readonly #perIp = new Map<string, number>()
  /** Addresses refused for `maxConnectionsPerIp` and not yet back under 90% of it. */
  readonly #ipsAtLimit = new Set<string>()
  #open = 0
  #atLimit = false
  #refusedOverMax = 0
  #refusedOverPerIp = 0

  constructor(limits: ConnectionLimits, logger: Logger) {
    this.#limits = limits
    this.#logger = logger
  }

  /** Counts a connection just accepted; to be called from the server's `connection` event. */
  admit(socket: Socket): void {
    this.admitConnection({
      key: socket,
      remoteAddress: socket.remoteAddress,
      endSilent: () => socket.end(REQUEST_TIMEOUT, () => socket.destroy()),
      onClose: (listener) => socket.once('close', listener),
    })
  }

  /**
   * Counts a connection just accepted that is not a bare HTTP/1 socket, such as an HTTP/2
   * session: one connection however many streams it carries, since the limits are about file
   * descriptors (an HTTP/2 server bounds the streams of one connection by its
   * `maxConcurrentStreams` setting).
   */
  admitConnection(connection: LimitedConnection): void {
    const { maxConnections, maxConnectionsPerIp, headersTimeoutMs } = this.#limits
    // IPv4 clients of a dual-stack listener show as `::ffff:a.b.c.d`: one client, one key.
    const ip = (connection.remoteAddress ?? '').replace(/^::ffff:/, '')
    this.#open++
    let over: ConnectionLimit | undefined
    if (maxConnections !== null && this.#open > maxConnections) over = 'maxConnections'
    if (maxConnectionsPerIp !== null) {
      const count = (this.#perIp.get(ip) ?? 0) + 1
      this.#perIp.set(ip, count)
      if (over === undefined && count > maxConnectionsPerIp) over = 'maxConnectionsPerIp'
    }
    if (over !== undefined) this.#reached(over, ip)
    // Node's `headersTimeout` counts from a head's first byte: a connection that never sends
    // one would hold its fd for good. Past a limit, fds are short: a client has its first head
    // out within a round trip of connecting.
    const silenceMs =
      over === undefined
        ? headersTimeoutMs
        : Math.min(headersTimeoutMs ?? Infinity, OVER_LIMIT_HEAD_MS)
    const silence =
      silenceMs === null ? undefined : setTimeout(() => connection.endSilent(), silenceMs).unref()
    this.#states.set(connection.key, { ip, over, silence })
    connection.onClose(() => this.#release(ip, silence))
  }

  /**
   * Notes a request on a connection, by the key it was admitted with (its socket, or its HTTP/2
   * session): the connection is no longer silent. Tells which limit it is over, if any.
   */
  noteRequest(connection: object): ConnectionLimit | undefined {
    const state = this.#states.get(connection)
    if (state === undefined) return undefined
    if (state.silence !== undefined) {
      clearTimeout(state.silence)
      state.silence = undefined
    }
    return state.over
  }

  /**
   * Refuses `request` on a connection past `limit` (counted in `stats()`): the answer, or
   * `undefined` for a path answered anyway (`/healthz`, `/readyz`). An `EventSource` gets a 200 with a long `retry:` and no event:
   * on a 429 or 503 it would give up for good, on a 200 that ends it comes back later. Anything
   * else gets a 429 with `Retry-After`. Both are jittered, so that refused clients do not all
   * return at once, and both close the connection, which frees its fd.
   */
  refuse(request: HubRequest, limit: ConnectionLimit): HubBodyResponse | undefined {
    if (ALWAYS_ANSWERED.has(request.url.pathname)) return undefined
    if (limit === 'maxConnections') this.#refusedOverMax++
    else this.#refusedOverPerIp++
    const retryMs = Math.round(REFUSAL_RETRY_MS * (0.5 + Math.random()))
    const headers = { ...corsOfRefusal(request), 'cache-control': 'no-store' }
    const accept = request.header('accept') ?? ''
    if (request.method === 'GET' && accept.includes('text/event-stream')) {
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8' },
        body: `: the hub is at its connection limit\nretry: ${retryMs}\n\n`,
      }
    }
    const response = errorResponse(
      new SseError('ERR_SSE_TOO_MANY_REQUESTS', 'the hub is at its connection limit; retry later'),
      errorFormatOf(request.url.pathname),
    )
    Object.assign(response.headers, headers, { 'retry-after': String(Math.ceil(retryMs / 1000)) })
    return response
  }

  /** Current counters. */
  stats(): ConnectionStats {
    return {
      connections: this.#open,
      refusedOverMaxConnections: this.#refusedOverMax,
      refusedOverMaxConnectionsPerIp: this.#refusedOverPerIp,
    }
  }

  #reached(limit: ConnectionLimit, ip: string): void {
    const { maxConnections, maxConnectionsPerIp } = this.#limits
    if (limit === 'maxConnections') {
      if (this.#atLimit) return
      this.#atLimit = true
      this.#logger.warn('connection limit reached: new connections are refused until it clears', {
        maxConnections,
        connections: this.#open,
      })
      return
    }
    const first = this.#ipsAtLimit.size === 0
    this.#ipsAtLimit.add(ip)
    if (first) {
      this.#logger.warn(
        'per-client connection limit reached: that client is refused until it clears',
        { maxConnectionsPerIp, address: ip },
      )
    }
  }

  #release(ip: string, silence: ReturnType<typeof setTimeout> | undefined): void {
    clearTimeout(silence)
    this.#open--
    const { maxConnections, maxConnectionsPerIp } = this.#limits
    if (this.#atLimit && maxConnections !== null && this.#open <= clearedBelow(maxConnections)) {
      this.#atLimit = false
      this.#logger.info('connection limit cleared', { maxConnections, connections: this.#open })
    }
    if (maxConnectionsPerIp === null) return
    const count = (this.#perIp.get(ip) ?? 1) - 1
    if (count === 0) this.#perIp.delete(ip)
    else this.#perIp.set(ip, count)
    if (this.#ipsAtLimit.has(ip) && count <= clearedBelow(maxConnectionsPerIp)) {
      this.#ipsAtLimit.delete(ip)
      if (this.#ipsAtLimit.size === 0) {
        this.#logger.info('per-client connection limit cleared', { maxConnectionsPerIp })
      }
    }
  }
}

/** A limit counts as cleared at 90% of it: at exactly the limit, it would flap. */
function clearedBelow(limit: number): number {
  return Math.floor(limit * 0.9)
}

/**
 * A refusal reaches any page: a cross-origin `EventSource` that could not read it would fail for
 * good. Its body is the same for everyone and says nothing of the visitor, so the origin is
 * echoed with credentials allowed, whatever the app's CORS list.
 */
function corsOfRefusal(request: HubRequest): Record<string, string> {
  const origin = request.header('origin')
  if (origin === undefined) return {}
  const echoed = headerValue(origin)
  if (echoed === undefined) return { vary: 'Origin' }
  return {
    'access-control-allow-origin': echoed,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  }
}
