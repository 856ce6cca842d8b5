/**
 * Where events live between publish and delivery: the hub's transport.
 *
 * A transport stores published events in one order, reads back what followed a given event (for
 * replay), and tails what is stored (for live delivery). In memory by default
 * ({@link createMemoryTransport}); shared by several hub processes with Redis (`ssehub/redis`).
 *
 * @example
 * const hub = createHub({ transport: await createRedisTransport({ url: 'redis://127.0.0.1' }) })
 */
import type { HubEvent, PublishedEvent, PublishInput } from './types.js'

/** How much a history keeps now, for the operators' gauges. */
export interface HistoryStats {
  /** Events kept for replay. */
  readonly events: number
  /** Their encoded bytes (what a replay of all of them sends). */
  readonly bytes: number
}

/** The {@link HistoryStats} of `events`. */
export function historyStatsOf(events: Iterable<HubEvent>): HistoryStats {
  let count = 0
  let bytes = 0
  for (const event of events) {
    count++
    bytes += event.bytes.byteLength
  }
  return { events: count, bytes }
}

/** What a look-up after an event id finds, and how far it read. */
export interface TransportRead {
  /** Whether the id was found; if not, `events` is all that is kept. */
  readonly found: boolean
  /** The kept events after the id, oldest first. */
  readonly events: readonly HubEvent[]
  /**
   * Whether a tailed event is at or before the end of this read: it was in `events`, or came
   * before the id asked for. The hub skips such events when it drains the live events queued
   * while it replayed, so none is sent twice.
   */
  covers(event: HubEvent): boolean
}

/**
 * What the hub needs from where events are stored. Implementations: {@link createMemoryTransport}
 * (one process) and `createRedisTransport` from `ssehub/redis` (many).
 *
 * Contract: every event published by anyone reaches the tail listener exactly once, in the
 * transport's one order; {@link Transport.readAfter} returns events in that same order.
 */
export interface Transport {
  /**
   * Stores a batch in order, all or none, and resolves with the ids once it is stored. Events
   * come back through the tail listener (the memory transport calls it before resolving).
   *
   * Topics are checked by the hub; the other fields by the transport (by encoding them).
   * @throws {SseError} (as a rejection) an encoder code for a bad field, or
   *   `ERR_SSE_TRANSPORT_UNAVAILABLE` when the store cannot be reached (nothing acknowledged).
   */
  publish(inputs: readonly PublishInput[]): Promise<PublishedEvent[]>
  /**
   * The kept events after the one with `lastEventId`, or all kept if it is unknown.
   * @throws {SseError} (as a rejection) `ERR_SSE_TRANSPORT_UNAVAILABLE`.
   */
  readAfter(lastEventId: string): Promise<TransportRead>
  /** Sets where stored events go, once, in order. The hub calls it once. */
  tail(listener: (event: HubEvent) => void): void
  /**
   * How much this process keeps for replay now (the history gauges of `/metrics`): nothing when
   * the history is kept elsewhere (the primary of `--workers`). Read when scraped, not on a
   * live path.
   */
  historyStats(): HistoryStats
  /**
   * Whether the store can be reached now: `false` while a shared store reconnects (publishes and
   * replays then fail). Absent: always, as for a store in this process.
   */
  reachable?(): boolean
  /** Stops tailing and releases connections; idempotent. */
  close(): void
}
