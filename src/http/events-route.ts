/**
 * `GET /events`: one event stream subscribed to one or more topics, with replay.
 */
import { SseError } from '../errors.js'
import { assertValidTopics } from '../hub/topic.js'
import type { HubEvent } from '../hub/types.js'
import { encodeEvent } from '../protocol/encode.js'
import { eventStreamHeaders } from '../stream/headers.js'
import { type StreamContext, subscribeStream } from '../stream/open-stream.js'
import { closeStreamAt } from '../stream/stream-deadline.js'
import { checkEventsAccess, type EventsAuthorizer } from './events-auth.js'
import { requestedLastEventId } from './last-event-id.js'
import type { HubRequest, HubStreamResponse } from './types.js'

/** Event type sent when a client's `Last-Event-ID` is no longer (or never was) in the history. */
export const HISTORY_GAP_EVENT = 'ssehub-history-gap'

/** What the events route needs from the app. */
export interface EventsRouteContext extends StreamContext {
  /** The topic of a request without `topic`; `null`: such a request is refused. */
  readonly defaultTopic: string | null
  /** Most `topic` parameters one request may give. */
  readonly maxSubscriptionTopics: number
  /** Who may subscribe to what, asked before anything is subscribed; `null`: anyone to any. */
  readonly authorize: EventsAuthorizer | null
}

/**
 * Answers a subscription. Topics from repeated `topic` query parameters (the default topic when
 * none; without a default topic, 400); the resume point from the `Last-Event-ID` header, else the
 * `lastEventID` query parameter (for a first connection, which cannot set headers from
 * `EventSource`).
 *
 * @throws {SseError} `ERR_SSE_INVALID_TOPIC` for a bad topic or too many, before any header is
 *   sent; `ERR_SSE_UNAUTHORIZED`, `ERR_SSE_TOKEN_EXPIRED` or `ERR_SSE_FORBIDDEN` when
 *   `context.authorize` refuses.
 */
export async function eventsRoute(
  request: HubRequest,
  context: EventsRouteContext,
): Promise<HubStreamResponse> {
  let topics = request.url.searchParams.getAll('topic')
  if (topics.length === 0) {
    if (context.defaultTopic === null) {
      throw new SseError(
        'ERR_SSE_INVALID_TOPIC',
        'give at least one topic: GET /events?topic=<name> (repeat topic= for several)',
      )
    }
    topics = [context.defaultTopic]
  }
  if (topics.length > context.maxSubscriptionTopics) {
    throw new SseError(
      'ERR_SSE_TOO_MANY_TOPICS',
      `a subscription may ask for at most ${context.maxSubscriptionTopics} topics, got ${topics.length}`,
    )
  }
  assertValidTopics(topics, context.hub.limits.maxTopicLength)
  const { authorize } = context
  const grant = authorize === null ? undefined : await checkEventsAccess(authorize, request, topics)
  const privateTopics = grant?.privateTopics
  const canReceivePrivate =
    privateTopics === undefined || privateTopics.size === 0
      ? undefined
      : (event: HubEvent) => event.topics.some((topic) => privateTopics.has(topic))
  const lastEventId = requestedLastEventId(request)
  const pending = await subscribeStream(context, { topics, canReceivePrivate }, lastEventId)
  const gapNotice =
    pending.historyGap && lastEventId !== undefined
      ? encodeEvent({ event: HISTORY_GAP_EVENT, data: JSON.stringify({ lastEventId }) })
      : undefined
  const headers = eventStreamHeaders(request.httpVersionMajor)
  // What one client's credentials opened is no shared cache's to keep.
  if (authorize !== null) headers['cache-control'] = 'private, no-cache, no-transform'
  return {
    status: 200,
    headers,
    start(sink) {
      const stream = pending.start(sink, gapNotice)
      if (grant?.expiresAt !== undefined) closeStreamAt(stream, grant.expiresAt)
    },
  }
}
