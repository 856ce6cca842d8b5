/**
 * Where a subscription asks to resume.
 */
import type { HubRequest } from './types.js'

/**
 * Where a subscription resumes: the `Last-Event-ID` header (an `EventSource` reconnecting), else
 * the `lastEventID` query parameter (a first connection, which cannot set headers); the header
 * wins when both are there, as Mercure requires.
 */
export function requestedLastEventId(request: HubRequest): string | undefined {
  return request.header('last-event-id') ?? request.url.searchParams.get('lastEventID') ?? undefined
}
