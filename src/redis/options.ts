/**
 * The Redis transport's options, their defaults, and the one place they are checked.
 */
import { positiveIntegerOrNull } from '../hub/options.js'
import type { Logger } from '../logger.js'

/** Default for {@link RedisTransportOptions.stream}: the stream key every node shares. */
export const DEFAULT_REDIS_STREAM = 'ssehub:events'
/** Default for {@link RedisTransportOptions.maxLen}: entries kept, about (Redis trims `~`). */
export const DEFAULT_REDIS_MAX_LEN = 10_000
/** Default for {@link RedisTransportOptions.commandTimeoutMs}: longest wait for a Redis reply. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000

/**
 * Default lease of a node's Mercure subscriptions (`RedisTransport.shareSubscriptions`): a node
 * that died stays listed this long before another node ends its subscriptions.
 */
export const DEFAULT_REDIS_NODE_LEASE_MS = 10_000

/** Options of `createRedisTransport`. `undefined` is the default, `null` turns a bound off. */
export interface RedisTransportOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS). Required. */
  url: string
  /**
   * Key of the stream; `<stream>:ids` and `<stream>:epoch` are used beside it, and
   * `<stream>:nodes` and `<stream>:subscriptions` for Mercure subscriptions. Nodes that share it
   * form one cluster. @defaultValue {@link DEFAULT_REDIS_STREAM}
   */
  stream?: string | undefined
  /**
   * Entries kept for replay, trimmed by Redis in whole blocks (`XADD MAXLEN ~`): a few more may
   * stay. `null`: no count bound. @defaultValue {@link DEFAULT_REDIS_MAX_LEN}
   */
  maxLen?: number | null | undefined
  /** Oldest entry kept, in ms (`XTRIM MINID ~` at each publish); `null`: no age bound. @defaultValue null */
  maxAgeMs?: number | null | undefined
  /** Longest wait for a reply before a publish fails. @defaultValue {@link DEFAULT_REDIS_COMMAND_TIMEOUT_MS} */
  commandTimeoutMs?: number | undefined
  /** Where lost and regained connections, and a reset stream, are reported. @defaultValue silent */
  logger?: Logger | undefined
}

/** {@link RedisTransportOptions} with defaults filled in. */
export interface ResolvedRedisTransportOptions {
  url: string
  stream: string
  maxLen: number | null
  maxAgeMs: number | null
  commandTimeoutMs: number
}

/**
 * Fills in defaults and checks every option.
 *
 * @throws {TypeError} naming the bad option and what it must be.
 */
export function resolveRedisTransportOptions(
  options: RedisTransportOptions,
): ResolvedRedisTransportOptions {
  const { url } = options
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(`\`url\` must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`)
  }
  const stream = options.stream ?? DEFAULT_REDIS_STREAM
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new TypeError('`stream` must be a non-empty string')
  }
  return {
    url,
    stream,
    maxLen: positiveIntegerOrNull('maxLen', options.maxLen, DEFAULT_REDIS_MAX_LEN),
    maxAgeMs: positiveIntegerOrNull('maxAgeMs', options.maxAgeMs, null),
    commandTimeoutMs:
      positiveIntegerOrNull(
        'commandTimeoutMs',
        options.commandTimeoutMs,
        DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      ) ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  }
}
