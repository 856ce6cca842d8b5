/**
 * What a hub or a transport keeps for replay, read the way a resuming client reads it: a replay
 * after an id that was never published gives every kept event.
 */
import type { Hub } from '../../src/hub/hub.js'
import type { Transport } from '../../src/hub/transport.js'
import type { HubEvent } from '../../src/hub/types.js'

/** An id no test publishes: asked for, it is unknown, so the whole history comes back. */
const NEVER_PUBLISHED = 'never-published-id'

/** Every event `transport` keeps, oldest first. */
export async function keptIn(transport: Transport): Promise<HubEvent[]> {
  return [...(await transport.readAfter(NEVER_PUBLISHED)).events]
}

/** Every event `hub` keeps, oldest first, private ones included, through its replay. */
export async function keptBy(hub: Hub | undefined): Promise<HubEvent[]> {
  if (hub === undefined) throw new Error('no hub')
  const events: HubEvent[] = []
  const subscription = await hub.subscribe(
    {
      topics: [],
      matchesTopic: () => true,
      canReceivePrivate: () => true,
      deliver: (event) => events.push(event),
    },
    { lastEventId: NEVER_PUBLISHED },
  )
  subscription.unsubscribe()
  return events
}
