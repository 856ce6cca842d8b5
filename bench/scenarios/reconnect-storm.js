// Reconnect storm: N streams on one topic drop at once and reconnect at once with a
// Last-Event-ID BACK events back, while a few live events are published. Measures the time
// until every stream has everything, and what was lost or received twice. Only for servers
// that replay (they say how to read an event's id from the publish response).
import { createPublisher } from '../lib/publisher.js'
import { openSession } from '../lib/session.js'

const TOPIC = 'storm'
const LIVE = 10

/** @returns one report row. */
export async function reconnectStorm(run, { subscribers, back }) {
  const session = await openSession({ ...run, topics: [TOPIC], subscribers })
  const publisher = createPublisher(session.port, run.server)
  // One at a time: the sequence numbers must reach the server in order.
  await publisher.burst(back, () => TOPIC, 1)
  const resumeFrom = run.server.eventId(await publisher.publish(TOPIC))
  const resumeSeq = publisher.seq
  await publisher.burst(back, () => TOPIC, 1)
  await session.client.waitUntil('count', (s) => s.events >= subscribers * (back * 2 + 1))
  const before = session.serverStat()
  const clientBefore = session.clientStat()
  const target = publisher.seq + LIVE
  await session.client.ask(`reconnect ${resumeFrom} ${resumeSeq + 1} ${target}`)
  await publisher.burst(LIVE, () => TOPIC, 1)
  const status = await session.client.waitUntil('status', (s) => s.caught === subscribers)
  const after = session.serverStat()
  const clientAfter = session.clientStat()
  publisher.close()
  await session.close(run.stopSignal)
  return {
    scenario: 'reconnect-storm',
    server: run.name,
    subscribers,
    phase: `${back} back + ${LIVE} live`,
    events: back + LIVE,
    caughtUp: status.caught,
    catchUpMs: status.catchupUs > 0 ? status.catchupUs / 1000 : Number.NaN,
    lost: status.lost,
    duplicated: status.dup,
    serverCpuSeconds: after.cpuSeconds - before.cpuSeconds,
    clientCpuSeconds: clientAfter.cpuSeconds - clientBefore.cpuSeconds,
    kbPerIdleConnection: session.kbPerIdleConnection,
    streamsPerSecond: session.streamsPerSecond,
  }
}
