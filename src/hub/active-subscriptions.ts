/**
 * The subscriptions a hub's subscribers hold, shared between the processes that serve one hub:
 * the interface that the processes' common state (the primary of `--workers`, Redis) keeps
 * without knowing the protocol that describes them. The Mercure layer implements the protocol
 * side: what a subscription is called and how its start and end are announced.
 */
import type { PublishInput } from './types.js'

/** One subscription: a subscriber and one of its topic selectors. */
export interface ActiveSubscription {
  /** Its own topic (Mercure: `/.well-known/mercure/subscriptions/{topic}/{subscriber}`). */
  readonly id: string
  readonly topic: string
  readonly subscriber: string
  /** What the subscriber's credentials attach to it (Mercure: `mercure.payload`), if any. */
  readonly payload: unknown
}

/** The active subscriptions at one point of the hub's history. */
export interface SubscriptionList {
  readonly subscriptions: readonly ActiveSubscription[]
  /** The newest event then; subscription events after it are changes to this list. */
  readonly lastEventId: string | undefined
}

/**
 * Where the active subscriptions are kept when several processes serve one hub, so that each
 * lists them all: `ssehub serve --workers` keeps them in the primary, which ends those of a
 * worker that dies; with Redis, every node keeps its own there under a lease (see
 * `RedisTransport.shareSubscriptions`).
 */
export interface SubscriptionStore {
  /** Records one subscriber's subscriptions. */
  add(subscriber: string, subscriptions: readonly ActiveSubscription[]): void
  /** Forgets one subscriber's subscriptions. */
  remove(subscriber: string): void
  /** Every active subscription, with the newest event id at the time. */
  list(): Promise<SubscriptionList>
}

/**
 * The events that announce that `subscriptions` started (`active`) or ended, as the protocol
 * describes them (Mercure: `subscriptionUpdates`, private JSON-LD updates). A shared store
 * publishes them on behalf of a process that cannot (it died, or its announcements were lost).
 */
export type SubscriptionAnnouncer = (
  subscriptions: readonly ActiveSubscription[],
  active: boolean,
) => PublishInput[]
