// Many topics: each stream on its own topic plus one shared topic; events go to both kinds,
// interleaved: every stream gets one event of its own, and every shared event reaches all.
import { createPublisher } from '../lib/publisher.js'
import { measurePhase, openSession } from '../lib/session.js'

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
