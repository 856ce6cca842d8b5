// How long a publish waits for its answer while its event fans out to N streams, after a quiet
// spell (the server writes at once) and in a busy spell (one publish right after another).
// For a change to when the fan-out runs; builds and peers alternate, as in alternate.js:
//   node bench/tools/answer-time.js --builds before=dist-before,after=dist --subscribers 10000
//   node bench/tools/answer-time.js --servers nchan,raw-node
// Prints, per build and round, the median and the worst answer time of each spell in ms.
import { parseArgs } from 'node:util'
import { buildLoadClient } from '../lib/load-client.js'
import { sleep } from '../lib/processes.js'
import { createPublisher, warmUpPublisher } from '../lib/publisher.js'
import { measurePhase, openSession } from '../lib/session.js'
import { median } from '../lib/stats.js'
import { comparedServers, inTurn } from '../servers.js'

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'ssehub=dist' },
    servers: { type: 'string', default: '' },
    subscribers: { type: 'string', default: '10000' },
    publishes: { type: 'string', default: '9' },
    rounds: { type: 'string', default: '2' },
  },
})
const subscribers = Number(values.subscribers)
const publishes = Number(values.publishes)

const contenders = comparedServers(values.builds, values.servers)

/** Times `publishes` publishes, each after `pauseMs` (0: back to back), in ms. */
async function answerTimes(publisher, pauseMs) {
  const times = []
  for (let i = 0; i < publishes; i++) {
    if (pauseMs > 0) await sleep(pauseMs)
    const started = performance.now()
    await publisher.publish('bench')
    times.push(performance.now() - started)
  }
  return times
}

const binary = buildLoadClient()
await warmUpPublisher()
const summary = (times) =>
  `median ${median(times).toFixed(1)}, worst ${Math.max(...times).toFixed(1)}`
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, server] of inTurn(contenders, round)) {
    const session = await openSession({ binary, name, server, topics: ['bench'], subscribers })
    const publisher = createPublisher(session.port, server)
    await measurePhase(session, subscribers * 20, () => publisher.burst(20, () => 'bench'))
    // Long enough for the slowest fan-out here (19,000 streams) to end before the next.
    const quiet = await answerTimes(publisher, 500)
    const busy = await answerTimes(publisher, 0)
    console.log(`round ${round + 1} ${name}: quiet ${summary(quiet)}; busy ${summary(busy)} (ms)`)
    publisher.close()
    await session.close('SIGKILL')
  }
}
process.exit(0)
