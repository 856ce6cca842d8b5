/**
 * Mercure's active subscriptions: an event when one starts or ends, and the list, as JSON-LD.
 */
import { SseError } from '../errors.js'
import type { Hub } from '../hub/hub.js'
import type { Logger } from '../logger.js'

/** Where subscriptions are published and listed. */
export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions'

const JSON_LD_CONTEXT = 'https://mercure.rocks/'

/** One subscription: a subscriber and one of its topic selectors. */
export interface ActiveSubscription {
  /** `/.well-known/mercure/subscriptions/{topic}/{subscriber}`, expanded. */
  readonly id: string
  readonly topic: string
  readonly subscriber: string
  /** `mercure.payload` of the subscriber's token, if any. */
  readonly payload: unknown
}

/**
 * RFC 6570 simple-string expansion of one value: everything but unreserved characters is
 * percent-encoded. The draft ("Subscription Events"): "`:`, `/`, `{` and `}` […] **MUST** be
 * percent encoded during the expansion process".
 */
function expandSegment(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** The subscription's topic: `/.well-known/mercure/subscriptions/{topic}/{subscriber}`. */
export function subscriptionTopic(topic: string, subscriber: string): string {
  return `${SUBSCRIPTIONS_PATH}/${expandSegment(topic)}/${expandSegment(subscriber)}`
}

/** The JSON-LD document of a subscription (`@context` left to the caller). */
function document(subscription: ActiveSubscription, active: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: subscription.id,
    type: 'Subscription',
    topic: subscription.topic,
    subscriber: subscription.subscriber,
    active,
  }
  if (subscription.payload !== undefined) doc.payload = subscription.payload
  return doc
}

/**
 * The subscriptions now active, and their events, published to the hub as private updates:
 *
 * > The hub **MUST** publish an update when a subscription is created or terminated. […] In
 * > order to only allow authorized subscribers to receive subscription events, the subscription
 * > update **MUST** be marked as `private`.
 */
export class SubscriptionRegistry {
  readonly #hub: Hub
  readonly #logger: Logger
  readonly #bySubscriber = new Map<string, ActiveSubscription[]>()

  constructor(hub: Hub, logger: Logger) {
    this.#hub = hub
    this.#logger = logger
  }

  /** Records `subscriber`'s subscriptions, one per selector, and publishes them as active. */
  add(subscriber: string, selectors: readonly string[], payload: unknown): void {
    const subscriptions = selectors.map((topic) => ({
      id: subscriptionTopic(topic, subscriber),
      topic,
      subscriber,
      payload,
    }))
    this.#bySubscriber.set(subscriber, subscriptions)
    this.#announce(subscriptions, true)
  }

  /** Forgets `subscriber`'s subscriptions and publishes them as ended. */
  remove(subscriber: string): void {
    const subscriptions = this.#bySubscriber.get(subscriber)
    if (subscriptions === undefined) return
    this.#bySubscriber.delete(subscriber)
    this.#announce(subscriptions, false)
  }

  /** The active subscriptions, all or those of one selector. */
  list(topic?: string): ActiveSubscription[] {
    const all = [...this.#bySubscriber.values()].flat()
    return topic === undefined ? all : all.filter((s) => s.topic === topic)
  }

  /** One active subscription, if it exists. */
  find(topic: string, subscriber: string): ActiveSubscription | undefined {
    return this.#bySubscriber.get(subscriber)?.find((s) => s.topic === topic)
  }

  /**
   * The API's answer for a path under {@link SUBSCRIPTIONS_PATH}: the collection, one
   * selector's collection, or one subscription.
   *
   * @throws {SseError} `ERR_SSE_NOT_FOUND` for an unknown subscription or path.
   */
  resource(path: string): Record<string, unknown> {
    const lastEventID = this.#hub.lastEventId ?? 'earliest'
    const segments = path.slice(SUBSCRIPTIONS_PATH.length).split('/').slice(1)
    if (segments.length > 2 || segments.some((s) => s === '')) {
      throw new SseError('ERR_SSE_NOT_FOUND', `no subscriptions resource at ${path}`)
    }
    const [topic, subscriber] = segments.map(decodeSegment)
    if (subscriber !== undefined) {
      const found = this.find(topic as string, subscriber)
      if (found === undefined) throw new SseError('ERR_SSE_NOT_FOUND', 'no such subscription')
      return { '@context': JSON_LD_CONTEXT, ...document(found, true), lastEventID }
    }
    return {
      '@context': JSON_LD_CONTEXT,
      id: path,
      type: 'Subscriptions',
      lastEventID,
      subscriptions: this.list(topic).map((s) => document(s, true)),
    }
  }

  #announce(subscriptions: readonly ActiveSubscription[], active: boolean): void {
    for (const subscription of subscriptions) {
      const data = JSON.stringify({
        '@context': JSON_LD_CONTEXT,
        ...document(subscription, active),
      })
      this.#hub.publish(subscription.id, { data, private: true }).catch((error: unknown) => {
        // At shutdown the hub closes before the last streams end; nobody is left to tell.
        if (error instanceof SseError && error.code === 'ERR_SSE_HUB_CLOSED') return
        this.#logger.warn('could not publish a subscription event', { error: String(error) })
      })
    }
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new SseError('ERR_SSE_BAD_REQUEST', `bad percent-encoding in ${JSON.stringify(segment)}`)
  }
}
