// Broadcast: N streams on one topic; every event goes to all of them. Two phases on the same
// connections: a fixed rate (latency at equal load for every server), then a burst as fast as
// the server takes publishes (throughput and CPU per delivery, with queueing in the latency).
import { createPublisher } from '../lib/publisher.js'
import { measurePhase, openSession } from '../lib/session.js'

export const TOPIC = 'bench'
const WARM_UP_EVENTS = 20

/**
 * Not measured: lets the JIT see the hot paths before the latencies count, both of them: a
 * burst, and one second at the fixed rate (ssehub writes paced events at once, and queues those
 * of a busy turn). Two reports of the load client.
 */
export async function warmUp(session, publisher, rate) {
  const topicOf = () => TOPIC
  await measurePhase(session, session.subscribers * WARM_UP_EVENTS, () =>
    publisher.burst(WARM_UP_EVENTS, topicOf),
  )
  await measurePhase(session, session.subscribers * rate, () => publisher.atRate(rate, 1, topicOf))
}

/** @returns rows for the report, one per phase. */
export async function broadcast(run, { subscribers, events, rate, seconds }) {
  const session = await openSession({ ...run, topics: [TOPIC], subscribers })
  const publisher = createPublisher(session.port, run.server)
  const topicOf = () => TOPIC
  await warmUp(session, publisher, rate)
  const fixed = await measurePhase(session, subscribers * Math.round(rate * seconds), () =>
    publisher.atRate(rate, seconds, topicOf),
  )
  const burst = await measurePhase(session, subscribers * events, () =>
    publisher.burst(events, topicOf),
  )
  publisher.close()
  await session.close(run.stopSignal)
  const common = {
    scenario: 'broadcast',
    server: run.name,
    subscribers,
    kbPerIdleConnection: session.kbPerIdleConnection,
    streamsPerSecond: session.streamsPerSecond,
  }
  return [
    { ...common, phase: `${rate}/s x ${seconds}s`, events: Math.round(rate * seconds), ...fixed },
    { ...common, phase: 'burst', events, ...burst },
  ]
}
