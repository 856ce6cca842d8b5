/**
 * The Mercure subscriptions of every node on one Redis, so that each node lists them all.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SseError } from '../errors.js'
import type { PublishInput } from '../hub/types.js'
import type { Logger } from '../logger.js'
import {
  type ActiveSubscription,
  endUpdates,
  type SubscriptionStore,
  subscriptionUpdate,
} from '../mercure/subscriptions.js'
import { LIST_SUBSCRIPTIONS_SCRIPT, RENEW_LEASE_SCRIPT, TAKE_DEAD_SCRIPT } from './scripts.js'
import { eventIdFromStreamId } from './stream-id.js'

type ScriptCall = (...args: string[]) => Promise<unknown>
type Scripts = Record<'ssehubRenewLease' | 'ssehubListSubscriptions' | 'ssehubTakeDead', ScriptCall>

/** What a {@link createRedisSubscriptionStore} works with. */
export interface RedisSubscriptionStoreOptions {
  /** The transport's command connection. */
  readonly client: Redis
  /** The stream key; the store's keys are named after it. */
  readonly stream: string
  /** How long a node that stops renewing stays listed. */
  readonly leaseMs: number
  /** Publishes through the transport: the end of a dead node's subscriptions. */
  readonly publish: (inputs: PublishInput[]) => Promise<unknown>
  /** Turns a Redis failure into the error a reader gets. */
  readonly unavailable: (message: string, cause: unknown) => SseError
  readonly logger: Logger
}

/** A subscription store on Redis, and the end of its lease. */
export interface RedisSubscriptionStore extends SubscriptionStore {
  /** Stops renewing. Its subscriptions stay until the lease runs out, then another node ends them. */
  close(): void
}

/**
 * Keeps this node's subscriptions in a hash every node shares, under a lease the node renews
 * three times per `leaseMs`. A node that dies stops renewing: once its lease has run out, the
 * first node to notice takes its subscriptions out and publishes their end (Mercure wants an
 * update when a subscription ends, whoever ends it). A node that finds itself gone from the
 * leases (it was taken for dead, or Redis lost its data) writes its subscriptions again and
 * announces them as active.
 *
 * A node that stops gracefully leaves the same way: its streams end after its connection to
 * Redis, and the others announce the end within the lease.
 */
export function createRedisSubscriptionStore(
  options: RedisSubscriptionStoreOptions,
): RedisSubscriptionStore {
  const { client, stream, leaseMs, logger } = options
  const leases = `${stream}:nodes`
  const hash = `${stream}:subscriptions`
  const node = randomUUID()
  const field = (subscriber: string) => `${node} ${subscriber}`
  client.defineCommand('ssehubRenewLease', { numberOfKeys: 1, lua: RENEW_LEASE_SCRIPT })
  client.defineCommand('ssehubListSubscriptions', {
    numberOfKeys: 3,
    lua: LIST_SUBSCRIPTIONS_SCRIPT,
  })
  client.defineCommand('ssehubTakeDead', { numberOfKeys: 2, lua: TAKE_DEAD_SCRIPT })
  const scripts = client as unknown as Scripts
  const mine = new Map<string, readonly ActiveSubscription[]>()
  let closed = false

  const warn = (what: string) => (error: unknown) => {
    if (!closed) logger.warn(what, { error: String(error) })
  }

  const restore = async () => {
    const entries = [...mine].flatMap(([subscriber, subs]) => [
      field(subscriber),
      JSON.stringify(subs),
    ])
    if (entries.length === 0) return
    await client.hset(hash, ...entries)
    await options.publish([...mine.values()].flat().map((s) => subscriptionUpdate(s, true)))
  }

  const endTheDead = async () => {
    const taken = (await scripts.ssehubTakeDead(leases, hash)) as string[]
    const updates = endUpdates(taken.flatMap((json) => JSON.parse(json) as ActiveSubscription[]))
    if (updates.length > 0) await options.publish(updates)
  }

  let renewed = false
  const renew = async () => {
    const [added, dead] = (await scripts.ssehubRenewLease(leases, node, String(leaseMs))) as [
      number,
      number,
    ]
    if (added === 1 && renewed) {
      logger.warn(
        'this node was gone from the Redis subscription leases; writing its subscriptions again',
        { subscriptions: mine.size },
      )
      await restore()
    }
    renewed = true
    if (dead > 0) await endTheDead()
  }
  const tick = () => void renew().catch(warn('could not renew the subscription lease on Redis'))
  const timer = setInterval(tick, Math.max(1, Math.floor(leaseMs / 3)))
  timer.unref()
  tick()

  return {
    add(subscriber, subscriptions) {
      mine.set(subscriber, subscriptions)
      client
        .hset(hash, field(subscriber), JSON.stringify(subscriptions))
        .catch(warn('could not record a subscription on Redis'))
    },
    remove(subscriber) {
      mine.delete(subscriber)
      client.hdel(hash, field(subscriber)).catch(warn('could not remove a subscription on Redis'))
    },
    async list() {
      let reply: [string[], string | null, string | null]
      try {
        reply = (await scripts.ssehubListSubscriptions(leases, hash, stream)) as typeof reply
      } catch (error) {
        throw options.unavailable(
          'Redis is unavailable: the subscriptions cannot be listed now',
          error,
        )
      }
      const [values, entryId, publisherId] = reply
      return {
        subscriptions: values.flatMap((json) => JSON.parse(json) as ActiveSubscription[]),
        lastEventId: publisherId ?? (entryId === null ? undefined : eventIdFromStreamId(entryId)),
      }
    },
    close() {
      closed = true
      clearInterval(timer)
    },
  }
}
