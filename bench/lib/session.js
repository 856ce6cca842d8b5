// One server under test with N subscribed streams: started, connected, measured idle, stopped.
import { startLoadClient } from './load-client.js'
import { freePort, procStat, sleep, stop, track, waitForPort } from './processes.js'

/**
 * Starts `server` and `subscribers` streams on `topics` (`%d`: the subscriber's index), and
 * measures the connection rate and the server's memory per idle stream.
 */
export async function openSession({ binary, name, server, topics, subscribers, nodeFlags = [] }) {
  const port = await freePort()
  const child = track(server.start(port, nodeFlags))
  child.stderr?.resume()
  child.stdout?.resume()
  await waitForPort(port, child)
  const base = procStat(child.pid)
  const client = startLoadClient(binary, port, server.subscribePath(topics), subscribers)
  const { us } = await client.ready
  // Let the server settle (lazy allocations, GC) before calling its memory idle.
  await sleep(500)
  const idle = procStat(child.pid)
  return {
    name,
    server,
    port,
    child,
    client,
    subscribers,
    base,
    idle,
    streamsPerSecond: Math.round(subscribers / (us / 1e6)),
    kbPerIdleConnection: (idle.rssKb - base.rssKb) / subscribers,
    serverStat: () => procStat(child.pid),
    clientStat: () => procStat(client.child.pid),
    async close(signal = 'SIGKILL') {
      await stop(client.child)
      await stop(child, signal)
    },
  }
}

/**
 * Runs `phase` and measures it: server and client CPU, wall time, deliveries (from the load
 * client's count, waiting until `expected` arrive or they stop coming), and latency.
 */
export async function measurePhase(session, expected, phase) {
  const before = session.serverStat()
  const clientBefore = session.clientStat()
  const { events: startEvents } = await session.client.ask('count')
  const started = performance.now()
  await phase()
  const { events } = await session.client.waitUntil(
    'count',
    (s) => s.events - startEvents >= expected,
  )
  const seconds = (performance.now() - started) / 1000
  const after = session.serverStat()
  const clientAfter = session.clientStat()
  const latency = await session.client.ask('report')
  const delivered = events - startEvents
  return {
    delivered,
    lost: expected - delivered,
    eventsPerSecond: Math.round(delivered / seconds),
    usPerDelivery: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / Math.max(1, delivered),
    // The kernel's part: system calls, and on loopback the receiving side's TCP work too.
    sysShare: (after.sysSeconds - before.sysSeconds) / (after.cpuSeconds - before.cpuSeconds),
    p50Ms: latency.p50 / 1000,
    p99Ms: latency.p99 / 1000,
    maxMs: latency.max / 1000,
    kbPerConnectionAfter: (after.rssKb - session.base.rssKb) / session.subscribers,
    clientCpuSeconds: clientAfter.cpuSeconds - clientBefore.cpuSeconds,
    wallSeconds: seconds,
  }
}
