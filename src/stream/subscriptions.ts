/**
 * The hub subscriptions of an app's streams: one shared per topic by the streams of that one
 * topic, one each for the rest.
 */
import type { Hub } from '../hub/hub.js'
import type { HubEvent, Subscriber, Subscription } from '../hub/types.js'
import { type DeliveryCounters, uncounted } from './delivery-counters.js'
import { FlushScheduler } from './flush-scheduler.js'
import { StreamFanout } from './stream-fanout.js'
import type { StreamSubscriber } from './stream-subscriber.js'

/** A stream's subscription, of whichever kind. */
export interface StreamSubscription {
  /** Stops delivery; idempotent. */
  unsubscribe(): void
}

/**
 * Subscribes streams to the hub.
 *
 * A stream of one exact topic joins that topic's group: one hub subscriber for all of them,
 * whose public events go out through a {@link StreamFanout} (one loop over their sockets;
 * docs/decisions/0004). One that resumes (`Last-Event-ID`, as every `EventSource`
 * reconnecting sends) subscribes on its own for its replay, the hub's exactly-once rules being
 * per subscriber, and moves into the group once the hub has nothing left to skip for it. Others
 * (several topics, rules) stay on their own.
 */
export class StreamSubscriptions {
  readonly #hub: Hub
  readonly #groups = new Map<string, TopicGroup>()
  readonly #counters: DeliveryCounters
  /**
   * The flush scheduler of these streams, the app's own: the streams opened on these
   * subscriptions and the topic groups' fan-outs share it, and no other app does.
   */
  readonly scheduler: FlushScheduler
  #count = 0

  /**
   * `counters`: where deliveries through the topic groups are counted (the app's);
   * `scheduler`: the streams' flush scheduler, a new one by default.
   */
  constructor(
    hub: Hub,
    counters: DeliveryCounters = uncounted(),
    scheduler: FlushScheduler = new FlushScheduler(),
  ) {
    this.#hub = hub
    this.#counters = counters
    this.scheduler = scheduler
  }

  /** Subscriptions made and not ended, of either kind. */
  get count(): number {
    return this.#count
  }

  /**
   * Subscribes `subscriber`, replaying after `lastEventId`.
   *
   * @throws {SseError} as {@link Hub.subscribe}.
   */
  async subscribe(
    subscriber: StreamSubscriber,
    lastEventId: string | undefined,
  ): Promise<StreamSubscription> {
    const topic =
      subscriber.matchesTopic === undefined && subscriber.topics.length === 1
        ? subscriber.topics[0]
        : undefined
    let active = true
    let current: StreamSubscription
    if (topic !== undefined && lastEventId === undefined) {
      const joined = this.#enter(topic, subscriber)
      try {
        await joined.group.subscription
      } catch (error) {
        joined.unsubscribe()
        throw error
      }
      current = joined
    } else {
      const own = await this.#hub.subscribe(subscriber, { lastEventId })
      current = own
      if (topic !== undefined) {
        subscriber.whenLive(
          () => !own.resuming,
          () => {
            // Between two events (a microtask after a delivery): the group and this
            // subscription have had the same ones, so moving over loses none and repeats none.
            if (!active) return
            current = this.#enter(topic, subscriber)
            own.unsubscribe()
          },
        )
      }
    }
    this.#count++
    return {
      unsubscribe: () => {
        if (!active) return
        active = false
        this.#count--
        current.unsubscribe()
      },
    }
  }

  // Joins `member` to its topic's group, making the group (registered with the hub at once) if
  // there is none.
  #enter(topic: string, member: StreamSubscriber): StreamSubscription & { group: TopicGroup } {
    let group = this.#groups.get(topic)
    if (group === undefined) {
      group = new TopicGroup(topic, this.#hub, this.#counters, this.scheduler)
      this.#groups.set(topic, group)
    }
    const joined = group
    joined.add(member)
    return {
      group: joined,
      unsubscribe: () => {
        if (!joined.delete(member) || joined.size > 0) return
        if (this.#groups.get(topic) === joined) this.#groups.delete(topic)
        joined.subscription.then(
          (subscription) => subscription.unsubscribe(),
          () => {},
        )
      },
    }
  }
}

/**
 * The hub's subscriber for the streams of one topic. Members whose stream has not started get
 * each event in their own queue; once started, public events reach their streams through the
 * fan-out, private ones through each member that may receive them.
 */
class TopicGroup implements Subscriber {
  readonly topics: readonly string[]
  /** Its hub subscription, registered at once: a member gets events from its joining on. */
  readonly subscription: Promise<Subscription>
  readonly #members = new Set<StreamSubscriber>()
  // Members not in the fan-out yet: their stream had not started at the last event (they are
  // let in at the next).
  readonly #waiting = new Set<StreamSubscriber>()
  readonly #fanout: StreamFanout
  readonly #counters: DeliveryCounters

  constructor(topic: string, hub: Hub, counters: DeliveryCounters, scheduler: FlushScheduler) {
    this.#counters = counters
    this.#fanout = new StreamFanout(scheduler)
    this.topics = [topic]
    this.subscription = hub.subscribe(this)
    // A member moving in from its own subscription does not wait for this: a rejection (the hub
    // closed) must not go unhandled. Members joining await it.
    this.subscription.catch(() => {})
  }

  get size(): number {
    return this.#members.size
  }

  add(member: StreamSubscriber): void {
    this.#members.add(member)
    this.#waiting.add(member)
  }

  /** Whether it was a member. */
  delete(member: StreamSubscriber): boolean {
    if (!this.#members.delete(member)) return false
    this.#waiting.delete(member)
    if (member.stream !== undefined) this.#fanout.delete(member.stream)
    return true
  }

  // The hub hands it private events as well: each member's own rule decides.
  canReceivePrivate(): boolean {
    return true
  }

  deliver(event: HubEvent): void {
    if (this.#waiting.size > 0) this.#admitStarted()
    // Each member's own way: its rule for a private event, its connection's pace for a keyed one.
    if (event.private || event.key !== undefined) {
      for (const member of this.#members) {
        if (!event.private || member.canReceivePrivate?.(event)) member.deliver(event)
      }
      return
    }
    for (const member of this.#waiting) member.deliver(event)
    const fanout = this.#fanout
    fanout.write(event.bytes)
    // Once per event, for all the fan-out's streams; members waiting counted their own above.
    const reached = fanout.size
    const counters = this.#counters
    counters.delivered += reached
    counters.deliveredBytes += reached * event.bytes.byteLength
  }

  #admitStarted(): void {
    for (const member of this.#waiting) {
      const stream = member.stream
      if (stream === undefined) continue
      this.#waiting.delete(member)
      this.#fanout.add(stream)
    }
  }
}
