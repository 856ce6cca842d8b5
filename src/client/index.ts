/**
 * ssehub/client: `EventSource` as the browser's, on `fetch`, with headers, retry on failure and
 * one connection per browser shared among tabs; `events()` as an async iterator; `subscribe()`
 * with callbacks. Node >= 20 and browsers (no `node:` imports); the hub serves it to pages as
 * one ES module at `GET /ssehub-client.js`.
 *
 * @example
 * ```ts
 * import { EventSource, events } from 'ssehub/client'
 * const source = new EventSource('https://hub.example/events?topic=chat', {
 *   headers: { authorization: `Bearer ${token}` },
 * })
 * source.onmessage = (e) => console.log(e.data)
 * for await (const event of events('https://hub.example/events', { signal })) console.log(event.data)
 * ```
 */
export { SSE_ERROR_CODES, SseError, type SseErrorCode } from '../errors.js'
export type { ParsedEvent } from '../protocol/types.js'
export { EventSource, type EventSourceEventMap } from './event-source.js'
export { type EventsInit, events } from './events.js'
export {
  DEFAULT_FAILURE_INITIAL_MS,
  DEFAULT_FAILURE_MAX_MS,
  DEFAULT_MAX_EVENT_LENGTH,
  DEFAULT_MAX_QUEUED_EVENTS,
  DEFAULT_RECONNECTION_MS,
  type EventSourceInit,
  type FetchLike,
  type RetryOnFailure,
} from './options.js'
export {
  DEFAULT_INITIAL_RETRY_MS,
  DEFAULT_MAX_RETRY_MS,
  type SubscribeOptions,
  subscribe,
} from './subscribe.js'
