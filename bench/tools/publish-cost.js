// What one publish costs each process of `ssehub serve`, with no subscriber: the publish path
// alone, and with --workers, the trips through the primary. Builds alternate, round after
// round, as in alternate.js. For a change to the publish path or the workers' messages:
//   node bench/tools/publish-cost.js --builds before=dist-before,after=dist --workers 2
//   node bench/tools/publish-cost.js --workers 1 --servers raw-node,nchan
//   node bench/tools/publish-cost.js --workers 1 --serve-flags='--history-size 0'
// Publishes as the benchmark does (4 requests in flight). Prints, per build and round,
// publishes/s and CPU µs per publish of the primary and each worker.
import { parseArgs } from 'node:util'
import { childrenOf, freePort, ownStat, sleep, stop, track, waitForPort } from '../lib/processes.js'
import { createPublisher, warmUpPublisher } from '../lib/publisher.js'
import { comparedServers, inTurn } from '../servers.js'

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'ssehub=dist' },
    // More `ssehub serve` flags, e.g. "--history-size 0".
    'serve-flags': { type: 'string', default: '' },
    // Peers from servers.js, measured the same way (one process each).
    servers: { type: 'string', default: '' },
    workers: { type: 'string', default: '2' },
    events: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '2' },
  },
})
const workers = Number(values.workers)
const events = Number(values.events)
const serveFlags = values['serve-flags'].split(' ').filter(Boolean)

async function measure(name, server) {
  const port = await freePort()
  const child = track(server.start(port, [], serveFlags))
  child.stderr.resume()
  child.stdout.resume()
  await waitForPort(port, child)
  const expected = server.workers ?? 1
  while (expected > 1 && childrenOf(child.pid).length < expected) await sleep(50)
  const pids = [child.pid, ...(expected > 1 ? childrenOf(child.pid) : [])]
  const publisher = createPublisher(port, server)
  const topicOf = (i) => `t${i % 1000}`
  // Not measured: the JIT's first look at the publish path.
  await publisher.burst(3000, topicOf)
  const before = pids.map((pid) => ownStat(pid).cpuSeconds)
  const started = performance.now()
  await publisher.burst(events, topicOf)
  const seconds = (performance.now() - started) / 1000
  const perPublish = pids.map(
    (pid, i) => ((ownStat(pid).cpuSeconds - (before[i] ?? 0)) * 1e6) / events,
  )
  publisher.close()
  await stop(child, 'SIGKILL')
  for (const pid of pids.slice(1)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
  const labels =
    workers > 1 ? ['primary', ...pids.slice(1).map((_, i) => `worker ${i + 1}`)] : ['process']
  console.log(
    `${name}: ${Math.round(events / seconds)} publishes/s; CPU µs per publish: ${perPublish
      .map((us, i) => `${labels[i]} ${us.toFixed(0)}`)
      .join(', ')}; total ${perPublish.reduce((a, b) => a + b, 0).toFixed(0)}`,
  )
}

const contenders = comparedServers(values.builds, values.servers, workers)
await warmUpPublisher()
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const [name, server] of inTurn(contenders, round - 1))
    await measure(`round ${round} ${name}`, server)
}
process.exit(0)
