/**
 * The hub subscriptions of an app's streams: one shared per topic by the streams of that one
 * topic, one each for the rest.
 */
import type { Hub } from '../hub/hub.js'
import type { HubEvent, Subscriber, Subscription } from '../hub/types.js'
import { StreamFanout } from '../stream/stream-fanout.js'
import type { StreamSubscriber } from './stream-subscriber.js'

/**
 * Subscribes streams to the hub.
 *
 * A stream of one exact topic that does not resume (no `Last-Event-ID`) joins that topic's
 * group: one hub subscriber for all of them, whose public events go out through a
 * {@link StreamFanout} (one loop over their sockets; bench/README.md, round 12). Others (several
 * topics, rules, a replay) subscribe on their own, as the hub's exactly-once rules for them are
 * per subscriber.
 */
export class StreamSubscriptions {
  readonly #hub: Hub
  readonly #groups = new Map<string, TopicGroup>()
  #count = 0

  constructor(hub: Hub) {
    this.#hub = hub
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
  ): Promise<Subscription> {
    const topic = subscriber.topics[0]
    const joinsGroup =
      lastEventId === undefined &&
      subscriber.matchesTopic === undefined &&
      subscriber.topics.length === 1 &&
      topic !== undefined
    const subscription = joinsGroup
      ? await this.#join(topic, subscriber)
      : await this.#hub.subscribe(subscriber, { lastEventId })
    this.#count++
    let active = true
    return {
      replayed: subscription.replayed,
      unsubscribe: () => {
        if (!active) return
        active = false
        this.#count--
        subscription.unsubscribe()
      },
    }
  }

  async #join(topic: string, member: StreamSubscriber): Promise<Subscription> {
    let group = this.#groups.get(topic)
    if (group === undefined) {
      const created = new TopicGroup(topic)
      // The hub registers it at once: a member joining later gets events from its joining on.
      created.subscription = this.#hub.subscribe(created)
      this.#groups.set(topic, created)
      group = created
    }
    const joined = group
    joined.add(member)
    const leave = () => {
      if (!joined.delete(member) || joined.size > 0) return
      if (this.#groups.get(topic) === joined) this.#groups.delete(topic)
      joined.subscription.then(
        (subscription) => subscription.unsubscribe(),
        () => {},
      )
    }
    try {
      await joined.subscription
    } catch (error) {
      leave()
      throw error
    }
    return { replayed: 0, unsubscribe: leave }
  }
}

/**
 * The hub's subscriber for the streams of one topic. Members whose stream has not started get
 * each event in their own queue; once started, public events reach their streams through the
 * fan-out, private ones through each member that may receive them.
 */
class TopicGroup implements Subscriber {
  readonly topics: readonly string[]
  subscription: Promise<Subscription> = Promise.resolve({ replayed: 0, unsubscribe() {} })
  readonly #members = new Set<StreamSubscriber>()
  // Members not in the fan-out yet: their stream had not started at the last event (they are
  // let in at the next).
  readonly #waiting = new Set<StreamSubscriber>()
  readonly #fanout = new StreamFanout()

  constructor(topic: string) {
    this.topics = [topic]
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
    if (event.private) {
      for (const member of this.#members) {
        if (member.canReceivePrivate?.(event)) member.deliver(event)
      }
      return
    }
    for (const member of this.#waiting) member.deliver(event)
    this.#fanout.write(event.bytes)
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
