// The scale-out benchmark: what Redis costs. The same load against one node in memory, one node
// on Redis, and two nodes on Redis, in the same run.
//
// Run:  npm run bench:redis                       1,000 subscribers, 2,000 events, 300 paced
//       npm run bench:redis -- --subscribers 200 --events 500 --paced 100
//
// Method: each ssehub node runs in its own process (`ssehub serve`, and `--redis` on a
// redis-server this script starts on a free port, no persistence); the C epoll client of
// bench/run.js (bench/load-client.c, built here with cc) holds the subscribers, split evenly over
// the nodes, all on one topic. Two phases per setup:
//   burst: the events published over HTTP keep-alive, 4 requests in flight, as fast as the nodes
//          answer (spread over the nodes in turn): throughput, latency mostly queueing;
//   paced: events published one at a time every 10 ms: latency without queueing.
// Each event's data is its send time in µs; the client records receive - send per delivery.
// CPU from /proc/PID/stat (utime + stime) over the burst: the nodes' per delivery, Redis's per
// event. "Redis adds" compares 1 node on Redis to 1 node in memory. Table to stdout, JSON to
// bench/results/.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { sendTimeUs } from './lib/clock.js'
import { freePort, procStat, waitForPort } from './lib/processes.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const CLI = join(here, '..', 'dist', 'cli', 'main.js')
const TOPIC = 'bench'
const IN_FLIGHT = 4
const PACE_MS = 10

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    events: { type: 'string', default: '2000' },
    paced: { type: 'string', default: '300' },
  },
})
const load = {
  subscribers: Number(values.subscribers),
  events: Number(values.events),
  paced: Number(values.paced),
}
const SETUPS = [
  { name: '1 node, in memory', nodes: 1, redis: false },
  { name: '1 node, Redis', nodes: 1, redis: true },
  { name: '2 nodes, Redis', nodes: 2, redis: true },
]

const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})
process.on('SIGINT', () => process.exit(130))

function spawnChild(file, args, options = {}) {
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'ignore'], ...options })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

const cpuSeconds = (pid) => procStat(pid).cpuSeconds

function buildClient() {
  mkdirSync(join(here, 'results'), { recursive: true })
  const binary = join(here, 'results', 'redis-load-client')
  execFileSync('cc', ['-O2', '-o', binary, join(here, 'load-client.c')])
  return binary
}

function startClient(binary, port, subscribers) {
  const child = spawnChild(
    binary,
    ['127.0.0.1', String(port), `/events?topic=${TOPIC}`, String(subscribers)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout })
  const pending = []
  lines.on('line', (line) => pending.shift()?.(line))
  const next = () => new Promise((resolve) => pending.push(resolve))
  return {
    child,
    ready: next(),
    async ask(command) {
      const answer = next()
      child.stdin.write(`${command}\n`)
      return JSON.parse(await answer)
    },
  }
}

async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ssehub-bench-redis-'))
  const child = spawnChild('redis-server', [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--appendonly', 'no'],
  ])
  await waitForPort(port, child)
  return { port, child, dir }
}

async function startNode(redisUrl, stream) {
  const port = await freePort()
  const redisArgs = redisUrl === undefined ? [] : ['--redis', redisUrl, '--redis-stream', stream]
  const child = spawnChild(process.execPath, [
    ...[CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--no-clock'],
    // One process per node: the nodes are what this compares.
    ...['--workers', '1'],
    // A burst must not be cut short by the slow-client cap (bench/run.js does the same).
    ...['--max-buffered-bytes', String(256 * 1024 * 1024)],
    ...redisArgs,
  ])
  await waitForPort(port, child)
  return { port, child }
}

function publisher(ports) {
  const agents = ports.map(() => new Agent({ keepAlive: true, maxSockets: IN_FLIGHT }))
  let turn = 0
  const one = () =>
    new Promise((resolve, reject) => {
      const index = turn++ % ports.length
      const body = `topic=${TOPIC}&data=${sendTimeUs()}`
      const req = request(
        {
          host: '127.0.0.1',
          port: ports[index],
          path: '/publish',
          method: 'POST',
          agent: agents[index],
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`publish: ${res.statusCode}`)),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  return {
    async burst(count) {
      let sent = 0
      const worker = async () => {
        while (sent < count) {
          sent++
          await one()
        }
      }
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    },
    async paced(count) {
      for (let i = 0; i < count; i++) {
        const next = performance.now() + PACE_MS
        await one()
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())))
      }
    },
    close: () => {
      for (const agent of agents) agent.destroy()
    },
  }
}

async function received(clients, expected) {
  let total = 0
  let lastProgress = performance.now()
  while (total < expected && performance.now() - lastProgress < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    const counts = await Promise.all(clients.map((c) => c.ask('count')))
    const now = counts.reduce((sum, c) => sum + c.events, 0)
    if (now > total) lastProgress = performance.now()
    total = now
  }
  return total
}

/** Latency over all clients: the worst client's percentile (each reports its own). */
async function latency(clients) {
  const reports = await Promise.all(clients.map((c) => c.ask('report')))
  const worst = (key) => Math.max(...reports.map((r) => r[key])) / 1000
  return { p50Ms: worst('p50'), p99Ms: worst('p99'), maxMs: worst('max') }
}

async function runSetup(binary, setup, redis) {
  const redisUrl = setup.redis ? `redis://127.0.0.1:${redis.port}` : undefined
  const stream = `bench:${Date.now()}`
  const nodes = []
  for (let i = 0; i < setup.nodes; i++) nodes.push(await startNode(redisUrl, stream))
  const share = Math.floor(load.subscribers / nodes.length)
  const clients = nodes.map((node, i) =>
    startClient(binary, node.port, i === 0 ? load.subscribers - share * (nodes.length - 1) : share),
  )
  await Promise.all(clients.map((c) => c.ready))
  const publish = publisher(nodes.map((n) => n.port))
  // Warm up (JIT, connections, Redis's script cache), then forget its latencies.
  await publish.burst(50)
  await received(clients, load.subscribers * 50)
  await Promise.all(clients.map((c) => c.ask('report')))

  const cpuBefore = nodes.map((n) => cpuSeconds(n.child.pid))
  const redisBefore = setup.redis ? cpuSeconds(redis.child.pid) : 0
  const started = performance.now()
  await publish.burst(load.events)
  const expected = load.subscribers * (50 + load.events)
  const burstDelivered = (await received(clients, expected)) - load.subscribers * 50
  const seconds = (performance.now() - started) / 1000
  const nodeCpu = nodes.reduce((sum, n, i) => sum + cpuSeconds(n.child.pid) - cpuBefore[i], 0)
  const redisCpu = setup.redis ? cpuSeconds(redis.child.pid) - redisBefore : 0
  const burst = await latency(clients)

  await publish.paced(load.paced)
  const total = expected + load.subscribers * load.paced
  const pacedDelivered = (await received(clients, total)) - expected
  const paced = await latency(clients)
  publish.close()
  for (const c of clients) c.child.kill('SIGKILL')
  for (const n of nodes) {
    n.child.kill('SIGKILL')
    await once(n.child, 'exit')
  }
  return {
    setup: setup.name,
    subscribers: load.subscribers,
    events: load.events,
    lost: load.subscribers * (load.events + load.paced) - burstDelivered - pacedDelivered,
    deliveredPerSecond: Math.round(burstDelivered / seconds),
    eventsPerSecond: Math.round(load.events / seconds),
    nodeUsPerDelivery: (nodeCpu * 1e6) / Math.max(1, burstDelivered),
    nodeUsPerEvent: (nodeCpu * 1e6) / load.events,
    redisUsPerEvent: (redisCpu * 1e6) / load.events,
    burst,
    paced,
  }
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

function table(results) {
  const lines = [
    '| setup | subs | events | delivered/s | events/s | lost | node µs/delivery | node µs/event | Redis µs/event | burst p50 / p99 ms | paced p50 / p99 ms |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.setup} | ${r.subscribers} | ${r.events} | ${r.deliveredPerSecond} | ${r.eventsPerSecond} | ${r.lost} | ${fmt(r.nodeUsPerDelivery, 2)} | ${fmt(r.nodeUsPerEvent, 0)} | ${fmt(r.redisUsPerEvent, 0)} | ${fmt(r.burst.p50Ms)} / ${fmt(r.burst.p99Ms)} | ${fmt(r.paced.p50Ms, 2)} / ${fmt(r.paced.p99Ms, 2)} |`,
    )
  }
  const [memory, redisOne] = results
  if (memory !== undefined && redisOne !== undefined) {
    lines.push(
      `\nRedis adds, per event (1 node on Redis vs in memory): node CPU ${fmt(redisOne.nodeUsPerEvent - memory.nodeUsPerEvent, 0)} µs, Redis CPU ${fmt(redisOne.redisUsPerEvent, 0)} µs, paced latency p50 ${fmt(redisOne.paced.p50Ms - memory.paced.p50Ms, 2)} ms.`,
    )
  }
  return lines.join('\n')
}

const binary = buildClient()
const redis = await startRedis()
const results = []
for (const setup of SETUPS) {
  console.error(`${setup.name}: ${load.subscribers} subscribers, ${load.events} events`)
  results.push(await runSetup(binary, setup, redis))
}
redis.child.kill('SIGKILL')
rmSync(redis.dir, { recursive: true, force: true })
console.log(
  `Machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
)
console.log(table(results))
writeFileSync(
  join(here, 'results', `redis-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify(results, null, 2),
)
process.exit(0)
