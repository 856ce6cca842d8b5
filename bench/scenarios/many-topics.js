// Many topics: each stream on its own topic plus one shared topic; events go to both kinds,
// interleaved: every stream gets one event of its own, and every shared event reaches all.
import { createPublisher } from '../lib/publisher.js'
import { measurePhase, openSession } from '../lib/session.js'

const WARM_UP_OWN = 2000

/** Topic of each event in order: `shared` of them spread evenly among one per stream. */
function schedule(subscribers, shared) {
  const total = subscribers + shared
  const topics = []
  let own = 0
  for (let i = 0; i < total; i++) {
    const isShared = Math.floor(((i + 1) * shared) / total) > Math.floor((i * shared) / total)
    topics.push(isShared ? 'shared' : `s${own++}`)
  }
  return topics
}

/** @returns one report row. */
export async function manyTopics(run, { subscribers, shared }) {
  const session = await openSession({ ...run, topics: ['s%d', 'shared'], subscribers })
  const publisher = createPublisher(session.port, run.server)
  const topics = schedule(subscribers, shared)
  // Not measured, as in the broadcast: a fresh Node server otherwise spends a seventh of this
  // phase's CPU compiling its publish path (perf: V8's optimizing compiler threads), a cost a
  // hub running for days pays once. Every server gets the same: one shared event, then one own
  // event to each of the first WARM_UP_OWN streams.
  const warmUp = [
    'shared',
    ...Array.from({ length: Math.min(WARM_UP_OWN, subscribers) }, (_, i) => `s${i}`),
  ]
  await measurePhase(session, subscribers + warmUp.length - 1, () =>
    publisher.burst(warmUp.length, (i) => warmUp[i]),
  )
  const expected = subscribers + shared * subscribers
  const result = await measurePhase(session, expected, () =>
    publisher.burst(topics.length, (i) => topics[i]),
  )
  publisher.close()
  await session.close(run.stopSignal)
  return {
    scenario: 'many-topics',
    server: run.name,
    subscribers,
    phase: `${subscribers} own + ${shared} shared`,
    events: topics.length,
    kbPerIdleConnection: session.kbPerIdleConnection,
    streamsPerSecond: session.streamsPerSecond,
    ...result,
  }
}
