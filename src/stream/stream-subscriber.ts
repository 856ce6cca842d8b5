/**
 * The hub's subscriber for one event stream.
 */
import type { HubEvent, Subscriber } from '../hub/types.js'
import { writeConflated } from './conflation.js'
import { type DeliveryCounters, uncounted } from './delivery-counters.js'
import type { SseStream } from './sse-stream.js'

/** Who subscribes, without where its events go (the stream decides that). */
export type SubscriberSpec = Omit<Subscriber, 'deliver' | 'onHistoryGap'>

/**
 * The hub's subscriber for one stream: events wait in `pending` until the stream starts, then
 * go to it.
 *
 * A class rather than an object literal with closures: the hub calls `deliver` on every
 * subscriber of a topic for each event, and a method on a shared prototype reaching the stream
 * through a field touches one object per delivery, not three (object, closure, its context).
 */
export class StreamSubscriber implements Subscriber {
  readonly topics: readonly string[]
  readonly matchesTopic: ((topic: string) => boolean) | undefined
  readonly topicPrefix: string | undefined
  readonly canReceivePrivate: ((event: HubEvent) => boolean) | undefined
  pending: Uint8Array[] | undefined = []
  stream: SseStream | undefined
  historyGap = false
  #whenLive: { isLive: () => boolean; then: () => void } | undefined
  readonly #counters: DeliveryCounters

  /** `counters`: where its deliveries are counted (the app's). */
  constructor(spec: SubscriberSpec, counters: DeliveryCounters = uncounted()) {
    this.#counters = counters
    this.topics = spec.topics
    this.matchesTopic = spec.matchesTopic
    this.topicPrefix = spec.topicPrefix
    this.canReceivePrivate = spec.canReceivePrivate
  }

  deliver(event: HubEvent): void {
    const stream = this.stream
    if (stream === undefined) this.pending?.push(event.bytes)
    else if (event.key === undefined) stream.writeBytes(event.bytes)
    else writeConflated(stream, event.key, event.bytes)
    const counters = this.#counters
    counters.delivered++
    counters.deliveredBytes += event.bytes.byteLength
    const live = this.#whenLive
    if (live?.isLive()) {
      this.#whenLive = undefined
      queueMicrotask(live.then)
    }
  }

  /**
   * Runs `then` once, in a microtask (after the delivery under way, before the next), after the
   * first delivery at which `isLive()` holds.
   */
  whenLive(isLive: () => boolean, then: () => void): void {
    this.#whenLive = { isLive, then }
  }

  onHistoryGap(): void {
    this.historyGap = true
  }
}
