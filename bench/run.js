// The benchmark: broadcast fan-out, ssehub against its peers (the seed-style Node server,
// better-sse, Nchan), the same load in the same run.
//
// Run:  npm run build && npm run bench            quick: 1,000 and 10,000 subscribers
//       npm run bench -- --full                    the figures: 3,000 / 300 events
//       npm run bench -- --servers ssehub,nchan --subscribers 1000 --events 2000
//
// Method: the server runs in its own process; a C epoll client (bench/load-client.c, built here
// with cc) holds N subscribers on one topic; this process publishes K events over HTTP
// keep-alive, a few requests in flight, as fast as the server answers. Each event's data is the
// send time in µs; the client records receive - send. Server CPU comes from /proc/PID/stat
// (utime + stime) around the publish phase, divided by the events delivered; memory is the
// server's RSS growth per connection once all N are connected and idle. Results go to
// bench/results/ as JSON; the table to stdout.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { createConnection, createServer } from 'node:net'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { SERVERS } from './servers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const TOPIC = 'bench'
const IN_FLIGHT = 4
const TICKS_PER_SECOND = 100

const { values } = parseArgs({
  options: {
    full: { type: 'boolean' },
    servers: { type: 'string' },
    subscribers: { type: 'string' },
    events: { type: 'string' },
    profile: { type: 'boolean' },
  },
})
const plan = values.full
  ? [
      { subscribers: 1000, events: 3000 },
      { subscribers: 10000, events: 300 },
    ]
  : [
      { subscribers: 1000, events: 1000 },
      { subscribers: 10000, events: 100 },
    ]
if (values.subscribers) {
  const events = Number(values.events ?? 1000)
  plan.splice(
    0,
    plan.length,
    ...values.subscribers.split(',').map((n) => ({ subscribers: Number(n), events })),
  )
}
const serverNames = (values.servers ?? Object.keys(SERVERS).join(',')).split(',')

const children = new Set()
const cleanup = () => {
  for (const child of children) child.kill('SIGKILL')
}
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))

/** Node flags writing a V8 CPU profile of one server to bench/results/profiles/. */
function profileFlags(name) {
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${join(here, 'results', 'profiles')}`,
    `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
  ]
}

function buildClient() {
  const binary = join(here, 'results', 'load-client')
  mkdirSync(join(here, 'results'), { recursive: true })
  execFileSync('cc', ['-O2', '-o', binary, join(here, 'load-client.c')])
  return binary
}

async function freePort() {
  const probe = createServer()
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return port
}

async function waitForPort(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const ok = await new Promise((resolve) => {
      const socket = createConnection(port)
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing listens on ${port}`)
}

function procStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1])
  return { cpuSeconds, rssKb }
}

function startClient(binary, port, subscribers) {
  const child = execFileChild(binary, [
    '127.0.0.1',
    String(port),
    `/events?topic=${TOPIC}`,
    String(subscribers),
  ])
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

function execFileChild(file, args) {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  children.add(child)
  return child
}

async function publishAll(port, server, count) {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
  let sent = 0
  const one = () =>
    new Promise((resolve, reject) => {
      const nowUs = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000))
      const { path, headers, body } = server.publish(TOPIC, String(nowUs))
      const req = request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode < 300 ? resolve() : reject(new Error(`publish: ${res.statusCode}`)),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  const worker = async () => {
    while (sent < count) {
      sent++
      await one()
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  agent.destroy()
}

async function runOne(binary, name, { subscribers, events }) {
  const server = SERVERS[name]
  const port = await freePort()
  const child = server.start(port, values.profile ? profileFlags(name) : [])
  children.add(child)
  child.stderr?.resume()
  child.stdout?.resume()
  await waitForPort(port, child)
  const base = procStat(child.pid)
  const client = startClient(binary, port, subscribers)
  await client.ready
  await new Promise((resolve) => setTimeout(resolve, 500))
  const idle = procStat(child.pid)
  const clientBefore = procStat(client.child.pid)
  const started = performance.now()
  await publishAll(port, server, events)
  const expected = subscribers * events
  let received = 0
  let lastProgress = performance.now()
  while (received < expected && performance.now() - lastProgress < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const now = (await client.ask('count')).events
    if (now > received) lastProgress = performance.now()
    received = now
  }
  const seconds = (performance.now() - started) / 1000
  const after = procStat(child.pid)
  const clientAfter = procStat(client.child.pid)
  const latency = await client.ask('report')
  client.child.kill('SIGKILL')
  // SIGTERM lets a profiled Node server write its profile on the way out.
  child.kill(values.profile ? 'SIGTERM' : 'SIGKILL')
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await once(child, 'exit')
  clearTimeout(killer)
  return {
    server: name,
    subscribers,
    events,
    delivered: received,
    lost: expected - received,
    eventsPerSecond: Math.round(received / seconds),
    usPerDelivery: ((after.cpuSeconds - idle.cpuSeconds) * 1e6) / Math.max(1, received),
    p50Ms: latency.p50 / 1000,
    p99Ms: latency.p99 / 1000,
    maxMs: latency.max / 1000,
    kbPerIdleConnection: (idle.rssKb - base.rssKb) / subscribers,
    kbPerConnectionAfter: (after.rssKb - base.rssKb) / subscribers,
    clientCpuSeconds: clientAfter.cpuSeconds - clientBefore.cpuSeconds,
    wallSeconds: seconds,
  }
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

function table(results) {
  const lines = [
    '| server | subs | events | delivered/s | lost | µs/delivery (CPU) | p50 ms | p99 ms | max ms | KB/idle conn | KB/conn after | client CPU s |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.server} | ${r.subscribers} | ${r.events} | ${r.eventsPerSecond} | ${r.lost} | ${fmt(r.usPerDelivery, 2)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.maxMs)} | ${fmt(r.kbPerIdleConnection)} | ${fmt(r.kbPerConnectionAfter)} | ${fmt(r.clientCpuSeconds, 2)} |`,
    )
  }
  const ssehub = results.filter((r) => r.server === 'ssehub')
  for (const mine of ssehub) {
    for (const peer of results.filter(
      (r) => r.server !== 'ssehub' && r.subscribers === mine.subscribers,
    )) {
      lines.push(
        `\n${mine.subscribers} subs: ssehub vs ${peer.server}: CPU/delivery x${fmt(mine.usPerDelivery / peer.usPerDelivery, 2)}, delivered/s x${fmt(mine.eventsPerSecond / peer.eventsPerSecond, 2)}, p99 x${fmt(mine.p99Ms / peer.p99Ms, 2)}, KB/idle conn x${fmt(mine.kbPerIdleConnection / peer.kbPerIdleConnection, 2)} (below 1 is better for ssehub except delivered/s)`,
      )
    }
  }
  return lines.join('\n')
}

const binary = buildClient()
const results = []
for (const scenario of plan) {
  for (const name of serverNames) {
    const server = SERVERS[name]
    if (server === undefined) throw new Error(`unknown server ${name}`)
    if (server.available && !server.available()) {
      console.error(`skipping ${name}: not installed`)
      continue
    }
    console.error(`${name}: ${scenario.subscribers} subscribers, ${scenario.events} events`)
    results.push(await runOne(binary, name, scenario))
  }
}
const report = table(results)
console.log(
  `Machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
)
console.log(report)
writeFileSync(
  join(here, 'results', `broadcast-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify(results, null, 2),
)
process.exit(0)
