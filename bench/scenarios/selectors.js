// Selectors: Mercure subscribers by URI template. The hub cannot look a template up by topic, so
// every event is matched against every template; only servers with Mercure's topic selectors
// run it (ssehub; Nchan and the Node peers have none). Two sessions:
// - shared: every stream on one template (`…/books/{id}`), every event (`…/books/<k>`) reaches
//   all of them: what a template costs per delivery against a plain topic (the broadcast);
// - own: each stream on a template of its own (`…/users/<i>/{+path}`), each event
//   (`…/users/<k>/inbox`) reaches one stream after being matched against all of them: the
//   hub's own CPU, not the sockets', so this is where a second worker can show what it adds.
import { createPublisher } from '../lib/publisher.js'
import { measurePhase, openSession } from '../lib/session.js'

const BASE = 'https://example.com'
const WARM_UP_SHARED = 10

/** @returns one report row per session. */
export async function selectors(run, { subscribers, events }) {
  const shared = await measureSession(run, {
    subscribers,
    selector: `${BASE}/books/{id}`,
    phase: 'one template',
    warmUp: WARM_UP_SHARED,
    events,
    topicOf: (i) => `${BASE}/books/${i}`,
    deliveriesPerEvent: subscribers,
  })
  const own = await measureSession(run, {
    subscribers,
    selector: `${BASE}/users/%d/{+path}`,
    phase: 'a template each',
    // V8 compiles a regular expression on its first use: every template is used once before
    // the measured phase, as in a hub that has run a while.
    warmUp: subscribers,
    events: subscribers,
    // Each stream once, in an order that is not the order they subscribed in.
    topicOf: (i) => `${BASE}/users/${(i * 7919) % subscribers}/inbox`,
    deliveriesPerEvent: 1,
  })
  return [shared, own]
}

async function measureSession(run, plan) {
  const { subscribers, selector, warmUp, events, topicOf, deliveriesPerEvent } = plan
  const server = { ...run.server, subscribePath: run.server.selectorPath }
  const session = await openSession({ ...run, server, topics: [selector], subscribers })
  const publisher = createPublisher(session.port, run.server)
  await measurePhase(session, warmUp * deliveriesPerEvent, () => publisher.burst(warmUp, topicOf))
  const result = await measurePhase(session, events * deliveriesPerEvent, () =>
    publisher.burst(events, topicOf),
  )
  publisher.close()
  await session.close(run.stopSignal)
  return {
    scenario: 'selectors',
    server: run.name,
    subscribers,
    phase: plan.phase,
    events,
    kbPerIdleConnection: session.kbPerIdleConnection,
    streamsPerSecond: session.streamsPerSecond,
    ...result,
  }
}
