/**
 * Mercure's active subscriptions: an event when one starts or ends, and the list, as JSON-LD.
 */
import { SseError } from '../errors.js'
import type {
  ActiveSubscription,
  SubscriptionAnnouncer,
  SubscriptionList,
  SubscriptionStore,
} from '../hub/active-subscriptions.js'
import type { Hub } from '../hub/hub.js'
import { assertValidTopics } from '../hub/topic.js'
import type { PublishInput } from '../hub/types.js'
import type { Logger } from '../logger.js'

/** Where subscriptions are published and listed. */
export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions'

const JSON_LD_CONTEXT = 'https://mercure.rocks/'

export type {
  ActiveSubscription,
  SubscriptionAnnouncer,
  SubscriptionList,
  SubscriptionStore,
} from '../hub/active-subscriptions.js'

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
 * The private update announcing that `subscription` started (`active`) or ended:
 *
 * > The hub **MUST** publish an update when a subscription is created or terminated. […] In
 * > order to only allow authorized subscribers to receive subscription events, the subscription
 * > update **MUST** be marked as `private`.
 */
export function subscriptionUpdate(
  subscription: ActiveSubscription,
  active: boolean,
): PublishInput {
  return {
    topics: [subscription.id],
    data: JSON.stringify({ '@context': JSON_LD_CONTEXT, ...document(subscription, active) }),
    private: true,
  }
}

/**
 * The updates announcing that `subscriptions` started (`active`) or ended, on behalf of a
 * process that cannot (it died, or its announcements were lost). One whose topic the hub refuses
 * (a selector too long) never had its start announced, so it gets none of these.
 */
export const subscriptionUpdates: SubscriptionAnnouncer = (subscriptions, active) => {
  return subscriptions
    .map((subscription) => subscriptionUpdate(subscription, active))
    .filter((update) => isValidTopic(update.topics[0]))
}

function isValidTopic(topic: unknown): boolean {
  try {
    assertValidTopics([topic])
    return true
  } catch {
    return false
  }
}

/**
 * The subscriptions API of one hub: keeps each subscriber's subscriptions (and reports them to a
 * {@link SubscriptionStore}, if the hub has one), publishes their start and end as private
 * updates (see {@link subscriptionUpdate}), and answers `GET` under {@link SUBSCRIPTIONS_PATH}.
 */
export class SubscriptionRegistry {
  readonly #hub: Hub
  readonly #logger: Logger
  readonly #store: SubscriptionStore | undefined
  // This process's subscribers: the whole list without a store; with one, what to announce as
  // ended, once, for a subscriber that started here.
  readonly #mine = new Map<string, readonly ActiveSubscription[]>()

  constructor(hub: Hub, logger: Logger, store?: SubscriptionStore) {
    this.#hub = hub
    this.#logger = logger
    this.#store = store
  }

  /** Records `subscriber`'s subscriptions, one per selector, and publishes them as active. */
  add(subscriber: string, selectors: readonly string[], payload: unknown): void {
    const subscriptions = selectors.map((topic) => ({
      id: subscriptionTopic(topic, subscriber),
      topic,
      subscriber,
      payload,
    }))
    this.#mine.set(subscriber, subscriptions)
    this.#store?.add(subscriber, subscriptions)
    this.#announce(subscriptions, true)
  }

  /** Forgets `subscriber`'s subscriptions and publishes them as ended. */
  remove(subscriber: string): void {
    const subscriptions = this.#mine.get(subscriber)
    if (subscriptions === undefined) return
    this.#mine.delete(subscriber)
    this.#store?.remove(subscriber)
    this.#announce(subscriptions, false)
  }

  /**
   * The API's answer for a path under {@link SUBSCRIPTIONS_PATH}: the collection, one
   * selector's collection, or one subscription.
   *
   * @throws {SseError} `ERR_SSE_NOT_FOUND` for an unknown subscription or path.
   */
  async resource(path: string): Promise<Record<string, unknown>> {
    const segments = path.slice(SUBSCRIPTIONS_PATH.length).split('/').slice(1)
    if (segments.length > 2 || segments.some((s) => s === '')) {
      throw new SseError('ERR_SSE_NOT_FOUND', `no subscriptions resource at ${path}`)
    }
    const [topic, subscriber] = segments.map(decodeSegment)
    const listed = await this.#list()
    const lastEventID = listed.lastEventId ?? 'earliest'
    const matching = listed.subscriptions.filter(
      (s) =>
        (topic === undefined || s.topic === topic) &&
        (subscriber === undefined || s.subscriber === subscriber),
    )
    if (subscriber !== undefined) {
      const [found] = matching
      if (found === undefined) throw new SseError('ERR_SSE_NOT_FOUND', 'no such subscription')
      return { '@context': JSON_LD_CONTEXT, ...document(found, true), lastEventID }
    }
    return {
      '@context': JSON_LD_CONTEXT,
      id: path,
      type: 'Subscriptions',
      lastEventID,
      subscriptions: matching.map((s) => document(s, true)),
    }
  }

  #list(): Promise<SubscriptionList> {
    if (this.#store !== undefined) return this.#store.list()
    const subscriptions = [...this.#mine.values()].flat()
    return Promise.resolve({ subscriptions, lastEventId: this.#hub.lastEventId })
  }

  #announce(subscriptions: readonly ActiveSubscription[], active: boolean): void {
    for (const subscription of subscriptions) {
      const { topics, ...update } = subscriptionUpdate(subscription, active)
      this.#hub.publish(topics, update).catch((error: unknown) => {
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
