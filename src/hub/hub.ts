/**
 * The hub: topics, publishing, fan-out to subscribers, and replay of missed events.
 */
import { SseError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import type { SseEvent } from '../protocol/types.js'
import { assertPublishable, type EventLimits } from './event-limits.js'
import { buildEphemeralEvent } from './hub-event.js'
import { createMemoryTransport } from './memory-transport.js'
import { type HubOptions, resolveHubOptions } from './options.js'
import { accepts, RuleIndex } from './rule-index.js'
import { assertValidTopics } from './topic.js'
import type { HistoryStats, TransportRead } from './transport.js'
import type {
  HubEvent,
  PublishedEvent,
  PublishInput,
  PublishOptions,
  Subscriber,
  Subscription,
} from './types.js'

function matchesByRule(subscriber: Subscriber, event: HubEvent): boolean {
  const rule = subscriber.matchesTopic
  const prefix = subscriber.topicPrefix ?? ''
  return (
    rule !== undefined &&
    event.topics.some((topic) => topic.startsWith(prefix) && accepts(rule, topic))
  )
}

/** What {@link Hub.publish} takes beside the topics. */
export type PublishEvent = Omit<SseEvent, 'comment'> & Pick<PublishInput, 'private' | 'key'>

/** A hub: publish to topics, subscribe to them. Create one with {@link createHub}. */
export interface Hub {
  /**
   * Publishes one event to one or more topics (the first canonical). The event gets an id if it
   * has none, is encoded once, kept in the history and delivered to every matching subscriber.
   * Resolves once the transport has stored it (in memory: at once; on Redis: once Redis has it,
   * delivery following from the stream). With `{ ephemeral: true }` it is delivered to this
   * process's live subscribers at once, without an id, and kept nowhere (the answer's `id` is
   * `''`).
   *
   * @throws {SseError} (as a rejection) `ERR_SSE_INVALID_TOPIC`, `ERR_SSE_INVALID_ID`,
   *   `ERR_SSE_INVALID_EVENT` or another encoder code for a bad field, `ERR_SSE_PAYLOAD_TOO_LARGE`
   *   for one over a limit of {@link Hub.limits}, `ERR_SSE_TRANSPORT_UNAVAILABLE` (nothing
   *   acknowledged), or `ERR_SSE_HUB_CLOSED`. A failing subscriber never makes it reject.
   * @example
   * const { id } = await hub.publish('prices', { event: 'tick', data: '{"AAPL":231.5}' })
   * await hub.publish('clock', { data: new Date().toISOString() }, { ephemeral: true })
   */
  publish(
    topics: string | readonly string[],
    event: PublishEvent,
    options?: PublishOptions,
  ): Promise<PublishedEvent>
  /**
   * Publishes many events at once, in order: all are checked before any is published, so a bad
   * one publishes none.
   */
  publishBatch(inputs: readonly PublishInput[]): Promise<PublishedEvent[]>
  /**
   * Subscribes: first every kept event after `lastEventId` on the subscriber's topics (all kept
   * if the id is unknown, after `onHistoryGap`), then live events, none missed and none twice.
   * Without `lastEventId`, live events only.
   */
  subscribe(
    subscriber: Subscriber,
    options?: { lastEventId?: string | undefined },
  ): Promise<Subscription>
  /** What this hub accepts in an event (its `max…` options), for a front end to check early. */
  readonly limits: EventLimits
  /** Subscribers now connected (an app's streams of one topic are one: `HubApp.stats()`). */
  readonly subscriberCount: number
  /** The id of the newest event this hub has seen stored, if any. */
  readonly lastEventId: string | undefined
  /** Whether its transport's store can be reached now (Redis: `false` while it reconnects). */
  readonly storeReachable: boolean
  /** How much this process keeps for replay now ({@link Transport.historyStats}). */
  historyStats(): HistoryStats
  /** Refuses further publishes, drops every subscriber, closes the transport; idempotent. */
  close(): void
}

/** A subscriber's progress from its replay to live delivery. */
interface Resuming {
  /** Live events that arrived while the replay was read; `undefined` once it has been sent. */
  pending: HubEvent[] | undefined
  /** The replay, once read: live events it covers are not sent again. */
  read: TransportRead | undefined
}

/** Options of {@link createHub}: those of the hub plus where it logs. */
export interface CreateHubOptions extends HubOptions {
  /** Where a failing subscriber is reported. @defaultValue {@link silentLogger} */
  logger?: Logger | undefined
}

/**
 * Creates a hub: in-process by default, or on the `transport` given (Redis: many processes).
 *
 * Invariant: a subscriber reconnecting with `lastEventId` X receives every retained event after X
 * on its topics exactly once, in order, then live events, none lost in between.
 *
 * @throws {TypeError} for a bad option, naming it.
 * @example
 * const hub = createHub({ historySize: 1000 })
 * await hub.subscribe({ topics: ['chat'], deliver: (e) => socket.write(e.bytes) })
 * await hub.publish('chat', { data: 'hello' })
 */
export function createHub(options: CreateHubOptions = {}): Hub {
  const resolved = resolveHubOptions(options)
  const limits = resolved.limits
  const logger = options.logger ?? silentLogger
  const transport =
    resolved.transport ??
    createMemoryTransport({
      historySize: resolved.historySize,
      historyBytes: resolved.historyBytes,
      generateId: resolved.generateId,
    })
  const subscribersByTopic = new Map<string, Set<Subscriber>>()
  let ruleSubscribers = new RuleIndex()
  // Subscribers resuming: while their replay is read, live events wait in `pending`; after it,
  // live events the replay already covered are skipped (a shared transport's tail may lag
  // behind what the replay read), until the first one it did not cover.
  const resuming = new Map<Subscriber, Resuming>()
  let subscriberCount = 0
  let lastEventId: string | undefined
  let closed = false

  const offer = (subscriber: Subscriber, event: HubEvent): void => {
    if (resuming.size > 0) {
      const state = resuming.get(subscriber)
      if (state !== undefined) {
        if (state.pending !== undefined) return void state.pending.push(event)
        // Never in any replay, and no sign of how far the transport's tail has come.
        if (event.ephemeral) return void deliverTo(subscriber, event)
        if (state.read?.covers(event)) return
        resuming.delete(subscriber)
      }
    }
    deliverTo(subscriber, event)
  }

  const deliverTo = (subscriber: Subscriber, event: HubEvent): void => {
    if (event.private && !subscriber.canReceivePrivate?.(event)) return
    try {
      subscriber.deliver(event)
    } catch (error) {
      logger.error('subscriber failed to take an event', { id: event.id, error: String(error) })
    }
  }

  const dispatch = (event: HubEvent): void => {
    const topics = event.topics
    if (topics.length === 1) {
      const subscribers = subscribersByTopic.get(topics[0] as string)
      if (subscribers !== undefined) for (const subscriber of subscribers) offer(subscriber, event)
    } else {
      // A subscriber of several of the event's topics gets it once.
      const reached = new Set<Subscriber>()
      for (const topic of topics) {
        const subscribers = subscribersByTopic.get(topic)
        if (subscribers === undefined) continue
        for (const subscriber of subscribers) {
          if (reached.has(subscriber)) continue
          reached.add(subscriber)
          offer(subscriber, event)
        }
      }
    }
    // Those reached by name above are skipped: the index knows each one's exact topics.
    if (ruleSubscribers.size > 0) {
      ruleSubscribers.forEachMatch(topics, (subscriber) => offer(subscriber, event))
    }
  }

  // Every stored event, whoever published it, comes back here once, in the transport's order.
  transport.tail((event) => {
    if (closed) return
    lastEventId = event.id
    dispatch(event)
  })

  const publishBatch = async (inputs: readonly PublishInput[]): Promise<PublishedEvent[]> => {
    if (closed) throw new SseError('ERR_SSE_HUB_CLOSED', 'the hub is closed')
    // Every event is checked before any is published: a bad one publishes none.
    const batch = inputs.length > 1
    for (let i = 0; i < inputs.length; i++) {
      assertPublishable(inputs[i] as PublishInput, limits, batch ? `event ${i}: ` : '')
    }
    return transport.publish(inputs)
  }

  const register = (subscriber: Subscriber, topics: ReadonlySet<string>): (() => void) => {
    for (const topic of topics) {
      const subscribers = subscribersByTopic.get(topic)
      if (subscribers === undefined) subscribersByTopic.set(topic, new Set([subscriber]))
      else subscribers.add(subscriber)
    }
    const rule = subscriber.matchesTopic
    const removeRule =
      rule === undefined
        ? undefined
        : ruleSubscribers.add(subscriber, rule, subscriber.topicPrefix ?? '', topics)
    subscriberCount++
    let active = true
    return () => {
      if (!active || closed) return
      active = false
      subscriberCount--
      for (const topic of topics) {
        const subscribers = subscribersByTopic.get(topic)
        subscribers?.delete(subscriber)
        if (subscribers?.size === 0) subscribersByTopic.delete(topic)
      }
      removeRule?.()
    }
  }

  const subscribe = async (
    subscriber: Subscriber,
    options: { lastEventId?: string | undefined } = {},
  ): Promise<Subscription> => {
    if (closed) throw new SseError('ERR_SSE_HUB_CLOSED', 'the hub is closed')
    if (subscriber.matchesTopic === undefined || subscriber.topics.length > 0) {
      assertValidTopics(subscriber.topics, limits.maxTopicLength)
    }
    const topics = new Set(subscriber.topics)
    const wanted = (event: HubEvent) =>
      event.topics.some((topic) => topics.has(topic)) || matchesByRule(subscriber, event)
    let replayed = 0
    // Registered first, so no live event can fall between the last replayed event and the first
    // live one; live events wait in `pending` while the (possibly remote) history is read.
    const unregister = register(subscriber, topics)
    const unsubscribe = () => {
      resuming.delete(subscriber)
      unregister()
    }
    if (options.lastEventId !== undefined) {
      const state: Resuming = { pending: [], read: undefined }
      resuming.set(subscriber, state)
      try {
        const read = await transport.readAfter(options.lastEventId)
        if (closed) throw new SseError('ERR_SSE_HUB_CLOSED', 'the hub is closed')
        if (!read.found) subscriber.onHistoryGap?.(options.lastEventId)
        for (const event of read.events) {
          if (!wanted(event)) continue
          deliverTo(subscriber, event)
          replayed++
        }
        const pending = state.pending ?? []
        state.pending = undefined
        state.read = read
        // Those the read already covered were replayed above (or precede the id asked for).
        for (const event of pending) offer(subscriber, event)
      } catch (error) {
        unsubscribe()
        throw error
      }
    }
    return {
      replayed,
      get resuming() {
        return resuming.has(subscriber)
      },
      unsubscribe,
    }
  }

  return {
    publish: async (topics, event, options) => {
      const input = { ...event, topics: typeof topics === 'string' ? [topics] : topics }
      if (options?.ephemeral === true) {
        if (closed) throw new SseError('ERR_SSE_HUB_CLOSED', 'the hub is closed')
        assertPublishable(input, limits, '')
        dispatch(buildEphemeralEvent(input))
        return { id: '' }
      }
      const [published] = await publishBatch([input])
      return published as PublishedEvent
    },
    publishBatch,
    subscribe,
    limits,
    get subscriberCount() {
      return subscriberCount
    },
    get lastEventId() {
      return lastEventId
    },
    get storeReachable() {
      return transport.reachable?.() ?? true
    },
    historyStats: () => transport.historyStats(),
    close() {
      if (closed) return
      closed = true
      subscribersByTopic.clear()
      ruleSubscribers = new RuleIndex()
      resuming.clear()
      subscriberCount = 0
      transport.close()
    },
  }
}
