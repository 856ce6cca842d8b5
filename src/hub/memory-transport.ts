/**
 * The default transport: events kept in this process's {@link History}, delivered at once.
 */

import { SseError } from '../errors.js'
import { createEventIdGenerator, type EventIdGenerator } from './event-id.js'
import { History } from './history.js'
import { buildHubEvent, storedEventOf } from './hub-event.js'
import {
  DEFAULT_HISTORY_BYTES,
  DEFAULT_HISTORY_SIZE,
  type HistoryLimits,
  nonNegativeInteger,
} from './options.js'
import { historyStatsOf, type Transport, type TransportRead } from './transport.js'
import type { HubEvent } from './types.js'

/** Options of {@link createMemoryTransport}. `undefined` means the default. */
export interface MemoryTransportOptions extends HistoryLimits {
  /** Makes ids for events published without one. @defaultValue UUIDv7 in `urn:uuid:` form */
  generateId?: EventIdGenerator | undefined
}

/**
 * Creates the in-process transport: a bounded {@link History}, `seq` increasing by one per
 * event, and the tail listener called synchronously inside `publish`.
 *
 * @throws {TypeError} for a bad option, naming it.
 * @example
 * const hub = createHub({ transport: createMemoryTransport({ historySize: 100 }) })
 */
export function createMemoryTransport(options: MemoryTransportOptions = {}): Transport {
  const history = new History(
    nonNegativeInteger('historySize', options.historySize, DEFAULT_HISTORY_SIZE),
    nonNegativeInteger('historyBytes', options.historyBytes, DEFAULT_HISTORY_BYTES),
  )
  const generateId = options.generateId ?? createEventIdGenerator()
  let listener: (event: HubEvent) => void = () => {}
  let nextSeq = 1
  let closed = false

  return {
    async publish(inputs) {
      if (closed) {
        throw new SseError('ERR_SSE_TRANSPORT_UNAVAILABLE', 'the memory transport is closed')
      }
      // Every event is encoded before any is stored: a bad one publishes none.
      const events = inputs.map((input, index) =>
        buildHubEvent(storedEventOf(input, input.id ?? generateId()), nextSeq + index),
      )
      nextSeq += events.length
      return events.map((event) => {
        history.append(event)
        listener(event)
        return { id: event.id }
      })
    },
    async readAfter(lastEventId): Promise<TransportRead> {
      const read = history.readAfter(lastEventId)
      const end = nextSeq - 1
      return { ...read, covers: (event) => event.seq <= end }
    },
    tail(next) {
      listener = next
    },
    historyStats: () => historyStatsOf(history.all()),
    close() {
      closed = true
      listener = () => {}
    },
  }
}
