/**
 * The hub's bounded history: the latest events, kept for replay to reconnecting subscribers.
 */
import type { HubEvent } from './types.js'

/**
 * What one kept event costs beside its strings and encoded bytes: the event object, the
 * `Uint8Array` over its bytes, its slot in the history, its id's entry in the look-up map and
 * its topic list's array. Measured on Node 20 x64 with `bench/tools/history-memory.js`
 * (docs/decisions/0040-history-counts-stored-bytes.md); rounded up.
 */
export const EVENT_OVERHEAD_BYTES = 384
/** What one string costs beside its characters (V8's header, rounded to 8 bytes), and its slot. */
export const STRING_OVERHEAD_BYTES = 32

// Any character past U+00FF makes V8 store a string at two bytes a character, else one.
const BEYOND_LATIN1 = /[\u0100-\uffff]/

function stringBytes(text: string): number {
  return STRING_OVERHEAD_BYTES + (BEYOND_LATIN1.test(text) ? 2 * text.length : text.length)
}

/**
 * The memory an event takes while kept: its encoded bytes, its strings (`data`, `id`, `event`,
 * each topic) and {@link EVENT_OVERHEAD_BYTES}. What `historyBytes` bounds.
 */
export function storedBytes(event: HubEvent): number {
  let total = EVENT_OVERHEAD_BYTES + event.bytes.byteLength + stringBytes(event.data)
  total += stringBytes(event.id)
  if (event.type !== undefined) total += stringBytes(event.type)
  for (const topic of event.topics) total += stringBytes(topic)
  return total
}

/** What a look-up after an event id finds. */
export interface HistoryRead {
  /** Whether the id was found; if not, `events` is all that is kept. */
  readonly found: boolean
  /** The kept events after the id, oldest first. */
  readonly events: readonly HubEvent[]
}

/**
 * A queue of the latest events, bounded by count and by the memory they take
 * ({@link storedBytes}), oldest evicted first.
 *
 * Events arrive in `seq` order, so an event's place in the queue is derived from its `seq`, and an
 * id look-up is one map read: replay costs O(events replayed), not O(history).
 */
export class History {
  readonly #maxEvents: number
  readonly #maxBytes: number
  // Slots before `#head` are evicted and cleared, so an evicted event is not kept alive.
  #events: (HubEvent | undefined)[] = []
  // Each event's stored bytes, at the same index: counted once, on append.
  #sizes: number[] = []
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

  /** The stored bytes of all kept events ({@link storedBytes}). */
  get bytes(): number {
    return this.#bytes
  }

  /** Adds the newest event, then evicts the oldest until both limits hold. */
  append(event: HubEvent): void {
    if (this.#maxEvents === 0) return
    const size = storedBytes(event)
    this.#events.push(event)
    this.#sizes.push(size)
    this.#bytes += size
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
      return { found: false, events: this.#keptFrom(this.#head) }
    }
    return { found: true, events: this.#keptFrom(this.#head + (seq - first.seq) + 1) }
  }

  /** All kept events, oldest first. */
  all(): readonly HubEvent[] {
    return this.#keptFrom(this.#head)
  }

  #keptFrom(index: number): HubEvent[] {
    // Only the slots before `#head` are cleared.
    return this.#events.slice(index) as HubEvent[]
  }

  #evictOldest(): void {
    const oldest = this.#events[this.#head]
    if (oldest === undefined) return
    this.#bytes -= this.#sizes[this.#head] as number
    this.#events[this.#head] = undefined
    this.#head++
    if (this.#seqById.get(oldest.id) === oldest.seq) this.#seqById.delete(oldest.id)
    // Compact now and then, so eviction stays O(1) amortised without unbounded growth.
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head)
      this.#sizes = this.#sizes.slice(this.#head)
      this.#head = 0
    }
  }
}
