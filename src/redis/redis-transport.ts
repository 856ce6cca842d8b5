/**
 * ssehub/redis: the transport that lets many hub processes share one Redis stream.
 *
 * Every publish is one script call that appends the batch to a Redis Stream (`XADD`, trimmed by
 * count and/or age); it is acknowledged once Redis has it. Every node tails the stream on a
 * connection of its own (`XREAD BLOCK` from the last entry it saw) and fans out locally, so all
 * subscribers, whichever node they are on, see every event once, in the stream's one order.
 * Replay reads the stream (`XRANGE`), so a client may resume on any node.
 *
 * @example
 * ```ts
 * import { createHub, createHubApp } from 'ssehub'
 * import { createRedisTransport } from 'ssehub/redis'
 * const transport = await createRedisTransport({ url: 'redis://127.0.0.1:6379' })
 * const app = createHubApp({ hub: createHub({ transport }) })
 * ```
 */
import { randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { SseError } from '../errors.js'
import type { SubscriptionAnnouncer, SubscriptionStore } from '../hub/active-subscriptions.js'
import { buildHubEvent, type StoredEvent } from '../hub/hub-event.js'
import { positiveIntegerOrNull } from '../hub/options.js'
import { historyStatsOf, type Transport, type TransportRead } from '../hub/transport.js'
import type { HubEvent, PublishedEvent, PublishInput } from '../hub/types.js'
import { type Logger, silentLogger } from '../logger.js'
import { encodeEvent } from '../protocol/encode.js'
import type { SseEvent } from '../protocol/types.js'
import { redactUrl } from '../urls.js'
import {
  DEFAULT_REDIS_NODE_LEASE_MS,
  type RedisTransportOptions,
  resolveRedisTransportOptions,
} from './options.js'
import { PUBLISH_SCRIPT, RESOLVE_SCRIPT, type ScriptCall } from './scripts.js'
import {
  compareStreamIds,
  eventIdFromStreamId,
  STREAM_START,
  streamIdFromEventId,
} from './stream-id.js'
import { createRedisSubscriptionStore, type RedisSubscriptionStore } from './subscription-store.js'

export * from './options.js'

/** The Redis transport, which can also keep the Mercure subscriptions of every node. */
export interface RedisTransport extends Transport {
  /**
   * Keeps this node's Mercure subscriptions on Redis, beside every other node's, so that each
   * node's subscriptions API lists them all (see {@link createRedisSubscriptionStore}); closed
   * with the transport. Pass it as the Mercure option `subscriptionStore`. Once per transport:
   * a second call returns the same store.
   * @param announce the events that announce subscriptions' start and end: Mercure's
   *   `subscriptionUpdates` (from `ssehub`), published for a node that died.
   * @param leaseMs how long a node that died keeps its subscriptions before another ends them
   *   (within a third of a lease more). @defaultValue {@link DEFAULT_REDIS_NODE_LEASE_MS}
   * @throws {TypeError} for a lease that is not a positive integer, or not the first one given.
   */
  shareSubscriptions(announce: SubscriptionAnnouncer, leaseMs?: number): SubscriptionStore
}

/** Entries read per `XREAD` or `XRANGE` call. */
const READ_COUNT = 1000
/** How long one `XREAD` waits for new entries before it is sent again. */
const TAIL_BLOCK_MS = 5000
/**
 * Latest events this process tailed, kept by entry id: a replay reuses them (their bytes already
 * encoded) and {@link Transport.historyStats} counts them.
 */
const RECENT_EVENTS = 1000

type StreamEntry = [id: string, fields: string[]]

/**
 * Connects to Redis and creates the transport; give it to `createHub({ transport })`.
 *
 * Faults: while Redis cannot be reached, publishes reject with `ERR_SSE_TRANSPORT_UNAVAILABLE`
 * (nothing acknowledged is lost) and the tail retries with back-off, then resumes after the last
 * entry it delivered. If the stream is found reset (Redis restarted without its data), that is
 * logged and the tail goes on from the new stream's start.
 *
 * @throws {TypeError} for a bad option, naming it.
 * @throws {SseError} (as a rejection) `ERR_SSE_TRANSPORT_UNAVAILABLE` when Redis cannot be
 *   reached now.
 */
export async function createRedisTransport(
  options: RedisTransportOptions,
): Promise<RedisTransport> {
  const resolved = resolveRedisTransportOptions(options)
  const logger = options.logger ?? silentLogger
  const key = resolved.stream
  const indexKey = `${key}:ids`
  const epochKey = `${key}:epoch`
  // Fail fast while Redis is away: no offline queue, no resending, no per-command retries. The
  // publisher hears at once (a 503) and the tail loop does its own retrying.
  const connectionOptions: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: resolved.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 500),
  }
  const client = new Redis(resolved.url, {
    ...connectionOptions,
    commandTimeout: resolved.commandTimeoutMs,
    connectionName: 'ssehub',
  })
  // XREAD BLOCK holds its connection: the tail gets one of its own.
  const tailClient = new Redis(resolved.url, {
    ...connectionOptions,
    commandTimeout: TAIL_BLOCK_MS + resolved.commandTimeoutMs,
    connectionName: 'ssehub-tail',
  })
  client.defineCommand('ssehubPublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT })
  client.defineCommand('ssehubResolve', { numberOfKeys: 2, lua: RESOLVE_SCRIPT })
  const scripts = client as unknown as Record<'ssehubPublish' | 'ssehubResolve', ScriptCall>
  let closed = false
  reportConnections([client, tailClient], logger, () => closed)

  let epoch: string
  let lastId: string
  let connectError: Error | undefined
  client.once('error', (error: Error) => {
    connectError = error
  })
  try {
    await Promise.all([client.connect(), tailClient.connect()])
    epoch = await ensureEpoch(client, epochKey)
    const [last] = (await client.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[]
    lastId = last?.[0] ?? STREAM_START
  } catch (error) {
    client.disconnect()
    tailClient.disconnect()
    // ioredis rejects with "Connection is closed"; the error it emitted says why.
    throw unavailable(
      `cannot connect to Redis at ${redactUrl(resolved.url)}`,
      connectError ?? error,
    )
  }

  const recent = new Map<string, HubEvent>()
  const streamIds = new WeakMap<HubEvent, string>()
  let listener: ((event: HubEvent) => void) | undefined
  let nextSeq = 1

  const toHubEvent = (entry: StreamEntry, seq: number): HubEvent | undefined => {
    try {
      return buildHubEvent(decodeEntry(entry), seq)
    } catch (error) {
      // Written by something else than ssehub: skipped, not fatal to the tail.
      logger.error('skipped a stream entry ssehub cannot read', {
        stream: key,
        entry: entry[0],
        error: String(error),
      })
      return undefined
    }
  }

  const deliver = (entry: StreamEntry): void => {
    const event = toHubEvent(entry, nextSeq)
    if (event === undefined) return
    nextSeq++
    streamIds.set(event, entry[0])
    recent.set(entry[0], event)
    if (recent.size > RECENT_EVENTS) recent.delete(recent.keys().next().value as string)
    listener?.(event)
  }

  // Called after each failure, before reading again: a changed epoch means the stream we tailed
  // is gone (Redis restarted empty, or the keys were deleted), so the last id means nothing.
  const checkEpoch = async (): Promise<void> => {
    const current = await ensureEpoch(tailClient, epochKey)
    if (current === epoch) return
    logger.warn(
      'the Redis stream was reset (Redis restarted without its data?); tailing the new stream from its start',
      {
        stream: key,
        lastId,
      },
    )
    epoch = current
    lastId = STREAM_START
    recent.clear()
  }

  const runTail = async (): Promise<void> => {
    let failures = 0
    while (!closed) {
      try {
        if (failures > 0) {
          await checkEpoch()
          logger.info('tailing the Redis stream again', { stream: key, from: lastId })
          failures = 0
        }
        const reply = (await tailClient.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          TAIL_BLOCK_MS,
          'STREAMS',
          key,
          lastId,
        )) as [string, StreamEntry[]][] | null
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            if (closed) return
            lastId = entry[0]
            deliver(entry)
          }
        }
      } catch (error) {
        if (closed) return
        // A lost connection is reported once, as such; this is for any other failure.
        if (failures === 0 && tailClient.status === 'ready') {
          logger.warn('cannot read the Redis stream; retrying', {
            stream: key,
            error: redisErrorText(error),
          })
        }
        failures++
        // Back off, but go on as soon as the connection is back.
        await readyOrDelay(tailClient, Math.min(50 * 2 ** failures, 1000))
      }
    }
  }

  const readRange = async (start: string): Promise<StreamEntry[]> => {
    const entries: StreamEntry[] = []
    for (let from = start; ; ) {
      const page = (await client.xrange(key, from, '+', 'COUNT', READ_COUNT)) as StreamEntry[]
      entries.push(...page)
      const last = page.at(-1)
      if (page.length < READ_COUNT || last === undefined) return entries
      from = `(${last[0]}`
    }
  }

  const publish = async (inputs: readonly PublishInput[]): Promise<PublishedEvent[]> => {
    if (inputs.length === 0) return []
    const args: string[] = []
    for (const input of inputs) {
      const fields = encodeFields(input)
      args.push(String(fields.length), ...fields)
    }
    let entryIds: string[]
    try {
      const limits = [String(resolved.maxLen ?? ''), String(resolved.maxAgeMs ?? '')]
      entryIds = (await scripts.ssehubPublish(
        key,
        indexKey,
        ...limits,
        String(inputs.length),
        ...args,
      )) as string[]
    } catch (error) {
      throw unavailable(
        'Redis is unavailable: the event was not acknowledged; publish it again',
        error,
      )
    }
    return inputs.map((input, index) => ({
      id: input.id ?? eventIdFromStreamId(entryIds[index] as string),
    }))
  }

  let subscriptions: RedisSubscriptionStore | undefined
  let subscriptionLeaseMs: number | undefined

  return {
    // ioredis's own state: `ready` once connected and set up, anything else while (re)connecting.
    reachable: () => client.status === 'ready' && tailClient.status === 'ready',
    publish,

    async readAfter(lastEventId): Promise<TransportRead> {
      let entries: StreamEntry[]
      let from: string | null
      try {
        const derived = streamIdFromEventId(lastEventId) ?? ''
        from = (await scripts.ssehubResolve(key, indexKey, lastEventId, derived)) as string | null
        entries = await readRange(from === null ? '-' : `(${from}`)
      } catch (error) {
        throw unavailable('Redis is unavailable: the missed events cannot be read now', error)
      }
      // Everything up to the last entry read (or the one asked for) has been replayed.
      const end = entries.at(-1)?.[0] ?? from ?? STREAM_START
      const events: HubEvent[] = []
      for (const entry of entries) {
        const event = recent.get(entry[0]) ?? toHubEvent(entry, 0)
        if (event !== undefined) events.push(event)
      }
      return {
        found: from !== null,
        events,
        covers: (event) => compareStreamIds(streamIds.get(event) ?? STREAM_START, end) <= 0,
      }
    },

    tail(next) {
      // Tailing starts here, from the stream's end when the transport was created: nothing
      // published in between is missed.
      const starting = listener === undefined
      listener = next
      if (starting) void runTail()
    },

    historyStats: () => historyStatsOf(recent.values()),

    shareSubscriptions(announce, leaseMs) {
      if (closed) throw new Error('the Redis transport is closed')
      const lease =
        positiveIntegerOrNull('leaseMs', leaseMs, DEFAULT_REDIS_NODE_LEASE_MS) ??
        DEFAULT_REDIS_NODE_LEASE_MS
      if (subscriptions === undefined) {
        subscriptions = createRedisSubscriptionStore({
          client,
          stream: key,
          maxLen: resolved.maxLen,
          leaseMs: lease,
          publish,
          announce,
          entryFields: encodeFields,
          unavailable,
          logger,
        })
        subscriptionLeaseMs = lease
      } else if (lease !== subscriptionLeaseMs) {
        throw new TypeError(
          `subscriptions are already shared with a lease of ${subscriptionLeaseMs} ms, not ${lease}`,
        )
      }
      return subscriptions
    },

    close() {
      if (closed) return
      closed = true
      subscriptions?.close()
      tailClient.disconnect()
      client.quit().catch(() => client.disconnect())
    },
  }
}

/** The entry fields of one event (see `scripts.ts`), checked by encoding it once. */
function encodeFields(input: PublishInput): string[] {
  // A bad field must fail here, before anything is stored; each node encodes again on delivery.
  encodeEvent({
    id: input.id ?? '0',
    event: input.event,
    data: input.data ?? '',
    retry: input.retry,
  } as SseEvent)
  const fields = ['t', JSON.stringify(input.topics), 'd', input.data ?? '']
  if (input.event !== undefined) fields.push('e', input.event)
  if (input.retry !== undefined) fields.push('r', String(input.retry))
  if (input.private === true) fields.push('p', '1')
  if (input.id !== undefined) fields.push('i', input.id)
  if (input.key !== undefined) fields.push('k', input.key)
  return fields
}

/** The event an entry holds. @throws {Error} when it is not one ssehub wrote. */
function decodeEntry([entryId, fields]: StreamEntry): StoredEvent {
  const values = new Map<string, string>()
  for (let i = 0; i + 1 < fields.length; i += 2)
    values.set(fields[i] as string, fields[i + 1] as string)
  const topics: unknown = JSON.parse(values.get('t') ?? 'null')
  if (!Array.isArray(topics) || !topics.every((t) => typeof t === 'string')) {
    throw new Error('no topics')
  }
  const retry = values.get('r')
  return {
    id: values.get('i') ?? eventIdFromStreamId(entryId),
    topics,
    type: values.get('e'),
    data: values.get('d') ?? '',
    retry: retry === undefined ? undefined : Number(retry),
    private: values.get('p') === '1',
    key: values.get('k'),
  }
}

/**
 * The stream's epoch: a random token set once beside it. Redis restarted without its data has
 * none, and the first node to look sets a new one, so every node sees it change.
 */
async function ensureEpoch(redis: Redis, epochKey: string): Promise<string> {
  await redis.set(epochKey, randomUUID(), 'NX')
  return (await redis.get(epochKey)) ?? ''
}

/**
 * Logs an outage once for all of a transport's connections: `lost the connection to Redis` when
 * the first drops, `connected to Redis again` when every one is back. ioredis reports every
 * failed reconnection attempt of every connection as an error; one line says it all.
 * Before the first connection, the failure is the caller's to report.
 */
function reportConnections(
  clients: readonly Redis[],
  logger: Logger,
  closing: () => boolean,
): void {
  let lost = false
  const report = (error?: Error) => {
    if (lost || closing() || clients.some((c) => c.status === 'wait' || !everReady.has(c))) return
    lost = true
    logger.warn('lost the connection to Redis; reconnecting', {
      ...(error === undefined ? {} : { error: redisErrorText(error) }),
    })
  }
  const everReady = new WeakSet<Redis>()
  for (const redis of clients) {
    if (redis.status === 'ready') everReady.add(redis)
    redis.on('error', report)
    redis.on('close', () => report())
    redis.on('ready', () => {
      everReady.add(redis)
      if (!lost || clients.some((c) => c.status !== 'ready')) return
      lost = false
      logger.info('connected to Redis again', {})
    })
  }
}

/** An error of ioredis's in words: its "not connected now" errors say just that. */
function redisErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return /enableOfflineQueue|Connection is closed|max retries per request/i.test(text)
    ? 'not connected'
    : text
}

function unavailable(message: string, cause: unknown): SseError {
  return new SseError('ERR_SSE_TRANSPORT_UNAVAILABLE', `${message} (${redisErrorText(cause)})`, {
    cause,
  })
}

/** Resolves after `ms`, or sooner when `redis` is (again) ready. */
function readyOrDelay(redis: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      redis.off('ready', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    redis.once('ready', done)
  })
}
