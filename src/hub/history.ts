/**
 * The hub's bounded history: the latest events, kept for replay to reconnecting subscribers.
 */
import type { HubEvent } from './types.js'

/** What a look-up after an event id finds. */
export interface HistoryRead {
  /** Whether the id was found; if not, `events` is all that is kept. */
  readonly found: boolean
  /** The kept events after the id, oldest first. */
  readonly events: readonly HubEvent[]
}

/**
 * A queue of the latest events, bounded by count and by encoded bytes, oldest evicted first.
 *
 * Events arrive in `seq` order, so an event's place in the queue is derived from its `seq`, and an
 * id look-up is one map read: replay costs O(events replayed), not O(history).
 */
export class History {
  readonly #maxEvents: number
  readonly #maxBytes: number
  #events: HubEvent[] = []
  #head = 0
  #bytes = 0
  readonly #seqById = new Map<string, number>()

  /** `maxEvents` 0 keeps nothing; both limits are checked after every append. */
  constructor(maxEvents: number, maxBytes: number) {
    this.#maxEvents = maxEvents
    this.#maxBytes = maxBytes
  }

  /** How many events are kept. */
  get size(): number {
    return this.#events.length - this.#head
  }

  /** The encoded bytes of all kept events. */
  get bytes(): number {
    return this.#bytes
  }

  /** Adds the newest event, then evicts the oldest until both limits hold. */
  append(event: HubEvent): void {
    if (this.#maxEvents === 0) return
    this.#events.push(event)
    this.#bytes += event.bytes.byteLength
    // A publisher may reuse an id; the latest event with it is where replay resumes.
    this.#seqById.set(event.id, event.seq)
    while (this.size > this.#maxEvents || (this.#bytes > this.#maxBytes && this.size > 1)) {
      this.#evictOldest()
    }
  }

  /** The kept events after the one with `lastEventId`, or all of them if it is not kept. */
  readAfter(lastEventId: string): HistoryRead {
    const seq = this.#seqById.get(lastEventId)
    const first = this.#events[this.#head]
    if (seq === undefined || first === undefined) {
      return { found: false, events: this.#events.slice(this.#head) }
    }
    return { found: true, events: this.#events.slice(this.#head + (seq - first.seq) + 1) }
  }

  /** All kept events, oldest first. */
  all(): readonly HubEvent[] {
    return this.#events.slice(this.#head)
  }

  #evictOldest(): void {
    const oldest = this.#events[this.#head]
    if (oldest === undefined) return
    this.#head++
    this.#bytes -= oldest.bytes.byteLength
    if (this.#seqById.get(oldest.id) === oldest.seq) this.#seqById.delete(oldest.id)
    // Compact now and then, so eviction stays O(1) amortised without unbounded growth.
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head)
      this.#head = 0
    }
  }
}
