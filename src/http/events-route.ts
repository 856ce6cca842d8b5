/**
 * `GET /events`: one event stream subscribed to one or more topics, with replay.
 */
import type { Hub } from '../hub/hub.js'
import { assertValidTopics } from '../hub/topic.js'
import type { Logger } from '../logger.js'
import { encodeEvent } from '../protocol/encode.js'
import { eventStreamHeaders } from '../stream/headers.js'
import type { Heartbeat } from '../stream/heartbeat.js'
import { SseStream } from '../stream/sse-stream.js'
import type { HubRequest, HubStreamResponse } from './types.js'

/** Event type sent when a client's `Last-Event-ID` is no longer (or never was) in the history. */
export const HISTORY_GAP_EVENT = 'ssehub-history-gap'

/** What the events route needs from the app. */
export interface EventsRouteContext {
  readonly hub: Hub
  readonly heartbeat: Heartbeat | null
  readonly openStreams: Set<SseStream>
  readonly defaultTopic: string
  readonly retryMs: number | null
  readonly maxBufferedBytes: number | null
  readonly logger: Logger
  /** Counts streams closed for exceeding the unsent-bytes cap. */
  onOverflow(): void
}

/**
 * Answers a subscription. Topics from repeated `topic` query parameters (the default topic when
 * none); the resume point from the `Last-Event-ID` header, else the `lastEventID` query parameter
 * (for a first connection, which cannot set headers from `EventSource`).
 *
 * @throws {SseError} `ERR_SSE_INVALID_TOPIC` for a bad topic, before any header is sent.
 */
export function eventsRoute(request: HubRequest, context: EventsRouteContext): HubStreamResponse {
  const requested = request.url.searchParams.getAll('topic')
  const topics = requested.length > 0 ? requested : [context.defaultTopic]
  assertValidTopics(topics)
  const lastEventId =
    request.header('last-event-id') ?? request.url.searchParams.get('lastEventID') ?? undefined
  return {
    status: 200,
    headers: eventStreamHeaders(request.httpVersionMajor),
    start(sink) {
      const stream = new SseStream(sink, { maxBufferedBytes: context.maxBufferedBytes })
      context.openStreams.add(stream)
      stream.onClose((reason) => {
        context.openStreams.delete(stream)
        if (reason === 'overflow') context.onOverflow()
      })
      if (context.retryMs !== null) stream.writeBytes(encodeEvent({ retry: context.retryMs }))
      context.hub
        .subscribe(
          {
            topics,
            deliver: (event) => stream.writeBytes(event.bytes),
            onHistoryGap: (id) => {
              stream.write({ event: HISTORY_GAP_EVENT, data: JSON.stringify({ lastEventId: id }) })
            },
          },
          { lastEventId },
        )
        .then(
          (subscription) => {
            if (stream.closed) return subscription.unsubscribe()
            stream.onClose(() => subscription.unsubscribe())
            context.heartbeat?.add(stream)
          },
          (error: unknown) => {
            context.logger.warn('subscription failed', { error: String(error) })
            stream.close('server')
          },
        )
    },
  }
}
