// The benchmark: ssehub against its peers (a raw Node server, the seed-style Node server,
// better-sse, Nchan), the same load in the same run, scenario by scenario.
//
// Run:  npm run bench                     quick (about 10 minutes)
//       npm run bench -- --full           the sizes, 19,000 streams included
//       npm run bench -- --servers ssehub,nchan --scenarios broadcast --subscribers 1000 --events 2000
//       npm run bench -- --servers ssehub --profile     also writes bench/results/profiles/ssehub/*.cpuprofile
//       node bench/run.js --servers ssehub --scenarios selectors --dist dist-before   another build
//
// Method (bench/README.md has more): each server runs in its own process, its fd limit raised;
// a C epoll client (bench/load-client.c) holds the streams; this process publishes over HTTP
// keep-alive, one event per request. Each event's data is its send time in µs and a sequence
// number; the client records receive - send and checks the sequence where asked. Server CPU
// comes from /proc/PID/stat. Results go to bench/results/ as JSON; the tables to stdout.
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildLoadClient } from './lib/load-client.js'
import { killAll } from './lib/processes.js'
import { warmUpPublisher } from './lib/publisher.js'
import { report } from './lib/report.js'
import { broadcast } from './scenarios/broadcast.js'
import { manyTopics } from './scenarios/many-topics.js'
import { reconnectStorm } from './scenarios/reconnect-storm.js'
import { selectors } from './scenarios/selectors.js'
import { inTurn, SERVERS, ssehubServer } from './servers.js'

const here = fileURLToPath(new URL('.', import.meta.url))

const { values } = parseArgs({
  options: {
    full: { type: 'boolean' },
    servers: { type: 'string' },
    scenarios: { type: 'string' },
    subscribers: { type: 'string' },
    events: { type: 'string' },
    profile: { type: 'boolean' },
    // Another build of ssehub for the ssehub rows, e.g. `dist-before` (see tools/alternate.js).
    dist: { type: 'string' },
  },
})

/**
 * Fixed-rate phase: about the same deliveries per second at every size (events/s = this /
 * streams), low enough that no server saturates the 2 cores it shares with the load client;
 * long enough (300 events at 1,000 streams) that one stall of the VM does not make the p99.
 */
const FIXED_DELIVERIES_PER_SECOND = 30_000
const FIXED_SECONDS = 10
const broadcastAt = (subscribers, events) => ({
  subscribers,
  events,
  rate: Math.max(1, Math.round(FIXED_DELIVERIES_PER_SECOND / subscribers)),
  seconds: FIXED_SECONDS,
})

const PLANS = {
  quick: {
    broadcast: [broadcastAt(1000, 600), broadcastAt(10000, 100)],
    'many-topics': [{ subscribers: 5000, shared: 20 }],
    'reconnect-storm': [{ subscribers: 5000, back: 100 }],
    selectors: [{ subscribers: 5000, events: 100 }],
  },
  full: {
    broadcast: [broadcastAt(1000, 3000), broadcastAt(10000, 300), broadcastAt(19000, 100)],
    'many-topics': [{ subscribers: 10000, shared: 50 }],
    'reconnect-storm': [{ subscribers: 5000, back: 100 }],
    selectors: [{ subscribers: 10000, events: 100 }],
  },
}
const RUNNERS = {
  broadcast,
  'many-topics': manyTopics,
  'reconnect-storm': reconnectStorm,
  selectors,
}

const plan = PLANS[values.full ? 'full' : 'quick']
if (values.subscribers) {
  const events = Number(values.events ?? 1000)
  plan.broadcast = values.subscribers.split(',').map((n) => broadcastAt(Number(n), events))
}
if (values.dist) {
  SERVERS.ssehub = ssehubServer(1, values.dist)
  SERVERS['ssehub-2w'] = { ...ssehubServer(2, values.dist), optIn: true }
}
const scenarios = (values.scenarios ?? Object.keys(RUNNERS).join(',')).split(',')
const defaultServers = Object.keys(SERVERS).filter((name) => !SERVERS[name].optIn)
const serverNames = (values.servers ?? defaultServers.join(',')).split(',')

/**
 * Node flags writing a V8 CPU profile of each server process to bench/results/profiles/NAME/,
 * under Node's own file name (date, pid): a scenario may start a server more than once.
 */
const profileFlags = (name) => [
  '--cpu-prof',
  `--cpu-prof-dir=${join(here, 'results', 'profiles', name)}`,
]

/**
 * Longest one server may take at one size: a peer that cannot hold the streams (Nchan's one
 * worker runs out of connections at 19,000 and never answers them all) must not stall the run.
 */
const RUN_TIMEOUT_MS = 180_000

const binary = buildLoadClient()
await warmUpPublisher()
const rows = []
const failures = []
// Each size starts with the next server in turn (after the build, the first server here ran slow
// in everything).
let turn = 0
for (const scenario of scenarios) {
  const runner = RUNNERS[scenario]
  if (runner === undefined) throw new Error(`unknown scenario ${scenario}`)
  for (const size of plan[scenario]) {
    const order = inTurn(serverNames, turn++)
    const sizeRows = []
    for (const name of order) {
      const server = SERVERS[name]
      if (server === undefined) throw new Error(`unknown server ${name}`)
      if (server.available && !server.available()) {
        console.error(`skipping ${name}: not installed`)
        continue
      }
      if (scenario === 'reconnect-storm' && server.eventId === undefined) continue
      if (scenario === 'selectors' && server.selectorPath === undefined) continue
      console.error(`${scenario} ${JSON.stringify(size)}: ${name}`)
      const run = {
        binary,
        name,
        server,
        nodeFlags: [
          ...(values.profile ? profileFlags(name) : []),
          ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        ],
        // SIGTERM lets a profiled Node server write its profile on the way out.
        stopSignal: values.profile ? 'SIGTERM' : 'SIGKILL',
      }
      const running = runner(run, size)
      let timer
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no result in ${RUN_TIMEOUT_MS / 1000} s`)),
          RUN_TIMEOUT_MS,
        )
      })
      try {
        sizeRows.push(...[await Promise.race([running, timeout])].flat())
      } catch (error) {
        running.catch(() => {}) // abandoned: its processes are killed below
        failures.push(`${scenario} ${JSON.stringify(size)}: ${name}: ${error.message}`)
        console.error(`failed: ${failures.at(-1)}`)
        killAll()
      } finally {
        clearTimeout(timer)
      }
    }
    // The tables list the servers in the order asked for, whichever ran first.
    const rank = (row) => serverNames.indexOf(row.server)
    rows.push(...sizeRows.sort((a, b) => rank(a) - rank(b)))
  }
}
console.log(
  `Machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
)
console.log(report(rows))
if (failures.length > 0)
  console.log(`\nNo result (left out of the tables):\n- ${failures.join('\n- ')}`)
writeFileSync(
  join(here, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify(rows, null, 2),
)
process.exit(0)
