/**
 * The Mercure subscriptions of every node on one Redis, so that each node lists them all.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SseError } from '../errors.js'
import type {
  ActiveSubscription,
  SubscriptionAnnouncer,
  SubscriptionStore,
} from '../hub/active-subscriptions.js'
import type { PublishInput } from '../hub/types.js'
import type { Logger } from '../logger.js'
import {
  END_EXPIRED_SCRIPT,
  END_NODE_SCRIPT,
  LIST_SUBSCRIPTIONS_SCRIPT,
  RENEW_LEASE_SCRIPT,
  type ScriptCall,
} from './scripts.js'
import { eventIdFromStreamId } from './stream-id.js'

type Scripts = Record<
  'ssehubRenewLease' | 'ssehubListSubscriptions' | 'ssehubEndExpired' | 'ssehubEndNode',
  ScriptCall
>

/** What a {@link createRedisSubscriptionStore} works with. */
export interface RedisSubscriptionStoreOptions {
  /** The transport's command connection. */
  readonly client: Redis
  /** The stream key; the store's keys are named after it. */
  readonly stream: string
  /** The stream's max length, for the entries this store appends itself. */
  readonly maxLen: number | null
  /** How long a node that stops renewing keeps its subscriptions. */
  readonly leaseMs: number
  /** Publishes through the transport: this node's announcements. */
  readonly publish: (inputs: PublishInput[]) => Promise<unknown>
  /** The events that announce subscriptions' start and end (Mercure's `subscriptionUpdates`). */
  readonly announce: SubscriptionAnnouncer
  /** The stream entry's fields of an event, as the transport stores it. */
  readonly entryFields: (input: PublishInput) => string[]
  /** Turns a Redis failure into the error a reader gets. */
  readonly unavailable: (message: string, cause: unknown) => SseError
  readonly logger: Logger
}

/** A subscription store on Redis, and the end of its lease. */
export interface RedisSubscriptionStore extends SubscriptionStore {
  /**
   * Stops renewing and gives the lease up, ending the subscriptions this node still holds (the
   * end goes out before the connection's `QUIT`).
   */
  close(): void
}

/**
 * Keeps this node's subscriptions in a hash every node shares, each with the stream entries
 * that announce its end, under a lease the node renews three times per `leaseMs`.
 *
 * A node that stops gracefully ends its streams first, and with them its subscriptions; what it
 * still holds when it closes (its hub closed under open streams) it ends as it gives its lease
 * up. One that dies stops renewing: once its lease has run out, the first node to notice ends its
 * subscriptions, taking them out and appending their end in one script (Mercure wants an update
 * whenever a subscription ends, whoever ends it). Until then they stay listed: a reader of the
 * list and of the subscription events sees them leave exactly once.
 *
 * A node that finds itself gone from the leases (taken for dead while it stalled, or Redis lost
 * its data), or that failed to record a subscription, writes its subscriptions again and
 * announces them as active. A node cut off from Redis for a lease or more ends nobody when it
 * is back: the others were most likely cut off too, and renew in a moment.
 */
export function createRedisSubscriptionStore(
  options: RedisSubscriptionStoreOptions,
): RedisSubscriptionStore {
  const { client, stream, leaseMs, logger } = options
  const leases = `${stream}:nodes`
  const hash = `${stream}:subscriptions`
  const node = randomUUID()
  const field = (subscriber: string) => `${node} ${subscriber}`
  const record = (subscriptions: readonly ActiveSubscription[]) =>
    JSON.stringify({
      subscriptions,
      ends: options.announce(subscriptions, false).map(options.entryFields),
    })
  client.defineCommand('ssehubRenewLease', { numberOfKeys: 1, lua: RENEW_LEASE_SCRIPT })
  client.defineCommand('ssehubListSubscriptions', {
    numberOfKeys: 2,
    lua: LIST_SUBSCRIPTIONS_SCRIPT,
  })
  client.defineCommand('ssehubEndExpired', { numberOfKeys: 3, lua: END_EXPIRED_SCRIPT })
  client.defineCommand('ssehubEndNode', { numberOfKeys: 3, lua: END_NODE_SCRIPT })
  const scripts = client as unknown as Scripts
  const mine = new Map<string, readonly ActiveSubscription[]>()
  let closed = false
  // Something this node holds may be missing on Redis, or something it let go still there:
  // put it right at the next renewal.
  let stale = false
  const unremoved = new Set<string>()

  const failed = (what: string) => (error: unknown) => {
    stale = true
    // While Redis is away the transport has said so once; each failed write would repeat it.
    if (closed || client.status !== 'ready') return
    logger.warn(what, { error: error instanceof Error ? error.message : String(error) })
  }

  // Writes and announcements leave in the same tick: one connection keeps their order.
  const restore = async () => {
    const held = [...mine]
    const gone = [...unremoved].map(field)
    unremoved.clear()
    const writes: Promise<unknown>[] = []
    if (gone.length > 0) writes.push(client.hdel(hash, ...gone))
    if (held.length > 0) {
      const entries = held.flatMap(([subscriber, subs]) => [field(subscriber), record(subs)])
      const subscriptions = held.flatMap(([, subs]) => subs)
      writes.push(client.hset(hash, ...entries))
      writes.push(options.publish(options.announce(subscriptions, true)))
    }
    await Promise.all(writes)
  }

  let renewedAt: number | undefined
  const renew = async () => {
    const [added, expired] = (await scripts.ssehubRenewLease(leases, node, String(leaseMs))) as [
      number,
      number,
    ]
    const now = performance.now()
    const cutOff = renewedAt !== undefined && now - renewedAt > leaseMs
    const wasGone = added === 1 && renewedAt !== undefined
    renewedAt = now
    if (wasGone || stale) {
      if (wasGone) logger.warn('this node was gone from the Redis subscription leases', {})
      stale = false
      await restore()
    }
    if (expired > 0 && !cutOff) {
      await scripts.ssehubEndExpired(leases, hash, stream, String(options.maxLen ?? ''))
    }
  }
  const tick = () => void renew().catch(failed('could not renew the subscription lease on Redis'))
  const timer = setInterval(tick, Math.ceil(leaseMs / 3))
  timer.unref()
  tick()

  return {
    add(subscriber, subscriptions) {
      mine.set(subscriber, subscriptions)
      client
        .hset(hash, field(subscriber), record(subscriptions))
        .catch(failed('could not record a subscription on Redis'))
    },
    remove(subscriber) {
      mine.delete(subscriber)
      client.hdel(hash, field(subscriber)).catch((error: unknown) => {
        unremoved.add(subscriber)
        failed('could not remove a subscription on Redis')(error)
      })
    },
    async list() {
      let reply: [string[], string | null, string | null]
      try {
        reply = (await scripts.ssehubListSubscriptions(hash, stream)) as typeof reply
      } catch (error) {
        throw options.unavailable(
          'Redis is unavailable: the subscriptions cannot be listed now',
          error,
        )
      }
      const [values, entryId, publisherId] = reply
      return {
        subscriptions: values.flatMap(subscriptionsIn),
        lastEventId: publisherId ?? (entryId === null ? undefined : eventIdFromStreamId(entryId)),
      }
    },
    close() {
      if (closed) return
      closed = true
      clearInterval(timer)
      const maxLen = String(options.maxLen ?? '')
      scripts.ssehubEndNode(leases, hash, stream, maxLen, node).catch(() => {})
    },
  }
}

// A value ssehub did not write lists nothing rather than failing the whole list.
function subscriptionsIn(json: string): ActiveSubscription[] {
  try {
    const record = JSON.parse(json) as { subscriptions?: unknown }
    return Array.isArray(record.subscriptions) ? record.subscriptions : []
  } catch {
    return []
  }
}
