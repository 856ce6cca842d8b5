/**
 * The hub's public contract: what is published, what subscribers receive.
 */
import type { SseEvent } from '../protocol/types.js'

/** What a publisher gives: an event for one or more topics. */
export interface PublishInput extends Omit<SseEvent, 'comment'> {
  /** The topics, first canonical. At least one; each a non-empty string without control characters. */
  topics: readonly string[]
  /** Mercure's private updates: delivered only to subscribers allowed to see them. */
  private?: boolean
  /**
   * What the event is the latest value of (a stock's symbol): a stream that has fallen behind is
   * sent only the newest event of each key when it catches up, not every one
   * (`src/stream/conflation.ts`). Absent: every event is sent. A non-empty string of up to 256
   * characters without control characters.
   */
  key?: string | undefined
}

/** An event as the hub keeps and delivers it: ids assigned, wire bytes encoded once. */
export interface HubEvent {
  /** The event id: the publisher's, or one the hub made (`urn:uuid:` + UUIDv7). */
  readonly id: string
  /** The topics it was published to, first canonical. */
  readonly topics: readonly string[]
  /** The event type, if any (`event:` on the wire). */
  readonly type: string | undefined
  /** The payload. */
  readonly data: string
  /** Whether only authorized subscribers may receive it. */
  readonly private: boolean
  /** Its conflation key ({@link PublishInput.key}), if any. */
  readonly key?: string | undefined
  /**
   * Position in this hub's order: increasing by one per event its transport delivers live. On a
   * shared transport (Redis) it counts per process, and events read back for replay that this
   * process had not delivered live carry 0.
   */
  readonly seq: number
  /** The event encoded once, `id:` included; the same bytes go to every subscriber. */
  readonly bytes: Uint8Array
  /**
   * `true` for an event published with `ephemeral` ({@link PublishOptions}): never stored, no
   * id (`id` is `''`, `seq` 0), delivered only to this process's live subscribers.
   */
  readonly ephemeral?: true
}

/** How {@link Hub.publish} treats one event. */
export interface PublishOptions {
  /**
   * Deliver the event to this process's live subscribers at once and keep it nowhere: no id is
   * given (a browser's last event id stays on the last stored event), it is not in the history,
   * never replayed, and not sent through the transport, so each process (worker, node) reaches
   * its own subscribers only. For a per-process ticker such as the demo's clock, whose events
   * would otherwise push real events out of a bounded history. @defaultValue false
   */
  ephemeral?: boolean | undefined
}

/** The answer to a publish. */
export interface PublishedEvent {
  readonly id: string
}

/**
 * One subscriber as the hub sees it: which topics, and where its events go.
 *
 * `deliver` must not throw and should be cheap: it is called on the publish path, once per event.
 */
export interface Subscriber {
  /** Exact topic names this subscriber receives (looked up in an index: the cheap way). */
  readonly topics: readonly string[]
  /**
   * Further topics it receives, by rule (a Mercure URI template, `*`). A subscriber with no
   * `topics` must have one. Read once, on subscribing.
   *
   * Subscribers given the same function are asked once per event for all of them: share one
   * among subscribers with the same rules.
   */
  matchesTopic?: ((topic: string) => boolean) | undefined
  /**
   * What every topic `matchesTopic` accepts begins with (a URI template's text before its first
   * `{`): the hub then asks the rule only about topics that begin with it, found by index. A
   * topic without it is taken as not matched. Read once, on subscribing.
   * @defaultValue `''` (asked about every topic)
   */
  topicPrefix?: string | undefined
  /**
   * Whether the subscriber may receive a private event; absent: never. Public events go to every
   * subscriber of their topics.
   */
  canReceivePrivate?: ((event: HubEvent) => boolean) | undefined
  /** Writes one event to the subscriber. */
  deliver(event: HubEvent): void
  /**
   * Called once, before any replayed event, when the `lastEventId` asked for is not in the
   * history (expired, or never seen): the subscriber then receives all that is kept.
   */
  onHistoryGap?: (lastEventId: string) => void
}

/** A subscription's handle. */
export interface Subscription {
  /** How many events were replayed from history before live delivery began. */
  readonly replayed: number
  /**
   * Whether the hub may still skip a live event for this subscriber as already replayed (a
   * shared transport's tail can lag behind the history read). `false` from the first live event
   * the replay did not cover on, and always for a subscription without `lastEventId`.
   */
  readonly resuming: boolean
  /** Stops delivery; idempotent. */
  unsubscribe(): void
}
