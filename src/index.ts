/**
 * ssehub: Server-Sent Events hub, library entry point.
 *
 * @example
 * ```ts
 * import { createHubApp } from 'ssehub'
 * import { listen } from 'ssehub/node'
 * const app = createHubApp()
 * await listen(app, { port: 3000 })
 * await app.hub.publish('news', { data: 'hello' })
 * ```
 */

export { createHubApp, type HubApp, type HubAppStats } from './app/app.js'
export * from './app/options.js'
export { clockText, startClock } from './demo/clock.js'
export { SSE_ERROR_CODES, SseError, type SseErrorCode, TooManyRequestsError } from './errors.js'
export type { CorsOrigins } from './http/cors.js'
export type { EventsAccess, EventsAuthorizer } from './http/events-auth.js'
export { HISTORY_GAP_EVENT } from './http/events-route.js'
export {
  HubCounters,
  type MetricsEndpoint,
  REFUSAL_REASONS,
  type RefusalCounts,
  type RefusalReason,
} from './http/metrics.js'
export type { HubBodyResponse, HubRequest, HubResponse, HubStreamResponse } from './http/types.js'
export { createEventIdGenerator, type EventIdGenerator } from './hub/event-id.js'
export type { EventLimits } from './hub/event-limits.js'
export { storedBytes } from './hub/history.js'
export { type CreateHubOptions, createHub, type Hub, type PublishEvent } from './hub/hub.js'
export { createMemoryTransport, type MemoryTransportOptions } from './hub/memory-transport.js'
export {
  DEFAULT_HISTORY_BYTES,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_MAX_EVENT_TOPICS,
  DEFAULT_MAX_EVENT_TYPE_LENGTH,
  DEFAULT_MAX_ID_LENGTH,
  DEFAULT_MAX_TOPIC_LENGTH,
  type HistoryLimits,
  type HubOptions,
} from './hub/options.js'
export type { HistoryStats, Transport, TransportRead } from './hub/transport.js'
export type {
  HubEvent,
  PublishedEvent,
  PublishInput,
  PublishOptions,
  Subscriber,
  Subscription,
} from './hub/types.js'
export { createJsonLogger, type LogFields, type Logger, silentLogger } from './logger.js'
export type { MercureOptions } from './mercure/options.js'
export {
  type ActiveSubscription,
  type SubscriptionAnnouncer,
  type SubscriptionList,
  type SubscriptionStore,
  subscriptionUpdates,
} from './mercure/subscriptions.js'
export * from './protocol/index.js'
export { eventStreamHeaders } from './stream/headers.js'
export { DEFAULT_HEARTBEAT_MS, Heartbeat } from './stream/heartbeat.js'
export type { Sink } from './stream/sink.js'
export {
  type CloseReason,
  DEFAULT_MAX_BUFFERED_BYTES,
  SseStream,
  type SseStreamOptions,
} from './stream/sse-stream.js'
