// Soak: one `ssehub serve` under steady publishing, subscriber churn, resumes and slow readers
// for N minutes; a line every 10 s; pass or fail at the end on memory growth, fd growth and loss.
//
// Run:  npm run soak -- --minutes 10
//       npm run soak -- --minutes 2 --rate 200 --subscribers 400 --workers 2
//
// Method: the server is a child process (the built dist/, one process unless --workers); this
// process is every client. Each event's data is `<seq> <send time in ms>` on one of 10 topics,
// a sequence per topic. Steady subscribers hold a stream each for the whole run and check that
// every event of their topic arrives once, in order (a stream the server cuts is resumed with
// its last id, as EventSource does, and must carry on with the next seq). Every second, churn
// subscribers connect, some resuming from an id a few events back (they must get exactly what
// followed it), read for 0.5-2 s and hang up. Every 10 s, slow readers connect to a bulk topic
// (64 KiB ten times a second) and never read: once the socket buffers on both sides are full
// (about 10 MB on loopback) the server must cut them (write-stall limit or unsent-bytes cap);
// a slow reader is given up by this side after 45 s. At least 80 % of those that lived that
// long must have been cut by the server. The history fills up (32 MiB by default) in the first
// minute, which is why memory is compared from the end of the first fifth of the run on.
// Memory and fds are read from /proc/PID of the server; heap and event-loop delay from its
// /metrics when it serves one.
//
// Pass: no event lost or repeated anywhere; slow readers cut as above; RSS at the end at most 64 MB (and 50 %) above its
// level after the first fifth of the run; open fds at the end at most 64 above that level,
// beyond the change in open streams.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { listeningUrl } from './lib/processes.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    subscribers: { type: 'string', default: '200' },
    churn: { type: 'string', default: '20' },
    slow: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1' },
  },
})
const MINUTES = Number(values.minutes)
const RATE = Number(values.rate)
const STEADY = Number(values.subscribers)
const CHURN = Number(values.churn)
const SLOW = Number(values.slow)
const TOPICS = 10
const REPORT_MS = 10_000

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const server = spawn(
  process.execPath,
  [
    cli,
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--workers',
    values.workers,
    '--no-clock',
    '--write-stall',
    '5',
    '--max-buffered-bytes',
    '262144',
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
)
process.on('exit', () => server.kill('SIGKILL'))
process.on('SIGINT', () => process.exit(130))
const base = await listeningUrl(server)
const { hostname, port } = new URL(base)

// --- what went wrong, and the latency of what arrived
const failures = []
const fail = (message) => {
  if (failures.length < 20) failures.push(message)
}
let delivered = 0
let latencies = []

// --- publishing: a sequence per topic, ids the hub makes
const sent = Array.from({ length: TOPICS }, () => [])
const agent = new Agent({ keepAlive: true, maxSockets: 4 })
function publish(topic) {
  return new Promise((resolve) => {
    const seq = sent[topic].length
    sent[topic].push(undefined)
    const body = JSON.stringify({ topic: `soak-${topic}`, data: `${seq} ${Date.now()}` })
    const req = request(
      {
        agent,
        hostname,
        port,
        path: '/publish',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let id = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          id += chunk
        })
        res.on('end', () => {
          if (res.statusCode === 200) sent[topic][seq] = id
          else fail(`publish answered ${res.statusCode}: ${id}`)
          resolve()
        })
      },
    )
    req.on('error', (error) => {
      fail(`publish failed: ${error.message}`)
      resolve()
    })
    req.end(body)
  })
}

/**
 * A subscriber to `soak-<topic>` over a raw socket: parses ids and data, checks that seqs follow
 * on from `nextSeq`, and resumes after a cut when `resume` is set.
 */
function subscribe(topic, { lastEventId, nextSeq, resume, onClose } = {}) {
  const state = { lastEventId, nextSeq, closed: false, socket: undefined, got: 0 }
  const open = () => {
    const socket = connect(port, hostname)
    state.socket = socket
    const headers = state.lastEventId === undefined ? '' : `Last-Event-ID: ${state.lastEventId}\r\n`
    socket.write(`GET /events?topic=soak-${topic} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`)
    socket.setEncoding('utf8')
    let buffer = ''
    let id
    socket.on('data', (chunk) => {
      buffer += chunk
      let end = buffer.indexOf('\n')
      while (end !== -1) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 1)
        if (line.startsWith('id: ')) id = line.slice(4)
        else if (line.startsWith('data: ')) {
          const [seq, at] = line.slice(6).split(' ').map(Number)
          if (state.nextSeq !== undefined && seq !== state.nextSeq) {
            fail(`soak-${topic}: expected seq ${state.nextSeq}, got ${seq}`)
          }
          state.nextSeq = seq + 1
          state.lastEventId = id
          state.got++
          delivered++
          latencies.push(Date.now() - at)
        }
        end = buffer.indexOf('\n')
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      if (state.closed) return
      if (resume) setTimeout(open, 100)
      else onClose?.()
    })
  }
  open()
  state.close = () => {
    state.closed = true
    state.socket?.destroy()
  }
  return state
}

/** A client that asks for the bulk topic and never reads a byte; the server must cut it. */
function slowReader() {
  const socket = connect(port, hostname)
  socket.on('connect', () => {
    socket.pause()
    socket.write('GET /events?topic=soak-bulk HTTP/1.1\r\nHost: x\r\n\r\n')
  })
  socket.on('error', () => {})
  // The server's cut cannot be seen from here (it would be read after the unread data): the
  // server's own count says.
  socket.openedAt = Date.now()
  return socket
}
const BULK = JSON.stringify({ topic: 'soak-bulk', data: 'x'.repeat(64 * 1024) })
function publishBulk() {
  const req = request({
    agent,
    hostname,
    port,
    path: '/publish',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': BULK.length },
  })
  req.on('response', (res) => res.resume())
  req.on('error', () => {})
  req.end(BULK)
}

// --- what the server process holds
const pid = server.pid
const rssMb = () => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) / 1024 : Number.NaN
}
const fds = () => readdirSync(`/proc/${pid}/fd`).length
async function serverFigures() {
  const health = await fetch(`${base}/healthz`).then((r) => r.json())
  const metrics = await fetch(`${base}/metrics`)
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '')
  const gauge = (name) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(metrics)
    return match ? Number(match[1]) : Number.NaN
  }
  return {
    streams: health.streams,
    stalls: health.stalls ?? 0,
    overflows: health.overflows ?? 0,
    heapMb: gauge('nodejs_heap_size_used_bytes') / 2 ** 20,
    loopP99Ms: gauge('nodejs_eventloop_lag_p99_seconds') * 1000,
  }
}

// --- the run
const steady = Array.from({ length: STEADY }, (_, i) =>
  subscribe(i % TOPICS, { resume: true, nextSeq: 0 }),
)
const timers = []
let topicTurn = 0
timers.push(
  setInterval(
    () => {
      for (let i = 0; i < Math.max(1, RATE / 100); i++) void publish(topicTurn++ % TOPICS)
    },
    Math.max(1, 1000 / Math.min(RATE, 100)),
  ),
)
timers.push(
  setInterval(() => {
    for (let i = 0; i < CHURN; i++) {
      const topic = Math.floor(Math.random() * TOPICS)
      const ids = sent[topic]
      // Half resume from a few events back: they must get exactly what followed.
      const back =
        ids.length > 5 && i % 2 === 0 ? ids.length - 1 - Math.floor(Math.random() * 5) : -1
      const options =
        back >= 0 && ids[back] !== undefined ? { lastEventId: ids[back], nextSeq: back + 1 } : {}
      const sub = subscribe(topic, options)
      setTimeout(sub.close, 500 + Math.random() * 1500)
    }
  }, 1000),
)
timers.push(setInterval(publishBulk, 100))
let slow = []
let slowGivenUp = 0
timers.push(
  setInterval(() => {
    for (const socket of slow) {
      if (Date.now() - socket.openedAt < 45_000) continue
      socket.destroy()
      slowGivenUp++
    }
    slow = slow.filter((socket) => !socket.destroyed)
    for (let i = 0; i < SLOW; i++) slow.push(slowReader())
  }, REPORT_MS),
)

const samples = []
const started = Date.now()
const end = started + MINUTES * 60_000
console.log(
  `soak: ${MINUTES} min, ${RATE} events/s on ${TOPICS} topics, ${STEADY} steady, ${CHURN} churn/s, ${SLOW} slow per 10 s, server ${base} pid ${pid}`,
)
console.log(
  '  t s  streams  events/s  p99 ms   RSS MB  heap MB  loop p99 ms   fds  cut (stall+overflow)',
)
let last = Date.now()
while (Date.now() < end) {
  await new Promise((resolve) => setTimeout(resolve, REPORT_MS))
  const now = Date.now()
  const figures = await serverFigures()
  latencies.sort((a, b) => a - b)
  const p99 = latencies.length === 0 ? Number.NaN : latencies[Math.floor(latencies.length * 0.99)]
  const sample = {
    t: Math.round((now - started) / 1000),
    streams: figures.streams,
    rate: Math.round(delivered / ((now - last) / 1000)),
    p99,
    rss: rssMb(),
    heap: figures.heapMb,
    loop: figures.loopP99Ms,
    fds: fds(),
    cut: figures.stalls + figures.overflows,
  }
  samples.push(sample)
  delivered = 0
  latencies = []
  last = now
  const f = (value, digits = 0) => (Number.isNaN(value) ? '-' : value.toFixed(digits))
  console.log(
    `${String(sample.t).padStart(5)}  ${String(sample.streams).padStart(7)}  ${String(sample.rate).padStart(8)}  ${f(p99).padStart(6)}  ${f(sample.rss, 1).padStart(7)}  ${f(sample.heap, 1).padStart(7)}  ${f(sample.loop, 1).padStart(11)}  ${String(sample.fds).padStart(4)}  ${sample.cut}`,
  )
}

for (const timer of timers) clearInterval(timer)
// Let the last publishes arrive, then check the steady subscribers got every event.
await new Promise((resolve) => setTimeout(resolve, 2000))
for (const [i, sub] of steady.entries()) {
  const topic = i % TOPICS
  if (sub.nextSeq !== sent[topic].length) {
    fail(
      `steady subscriber ${i} on soak-${topic} ended at seq ${sub.nextSeq} of ${sent[topic].length}`,
    )
  }
  sub.close()
}
for (const socket of slow) socket.destroy()

const warm = samples[Math.max(0, Math.floor(samples.length / 5) - 1)]
const final = samples.at(-1)
const verdicts = []
if (warm && final) {
  const growth = final.rss - warm.rss
  verdicts.push([
    `RSS ${warm.rss.toFixed(1)} -> ${final.rss.toFixed(1)} MB (+${growth.toFixed(1)})`,
    growth <= 64 && final.rss <= warm.rss * 1.5,
  ])
  const fdGrowth = final.fds - warm.fds - Math.max(0, final.streams - warm.streams)
  verdicts.push([
    `fds ${warm.fds} -> ${final.fds} (streams ${warm.streams} -> ${final.streams})`,
    fdGrowth <= 64,
  ])
}
verdicts.push([
  `loss: ${failures.length === 0 ? 'none' : failures.join('; ')}`,
  failures.length === 0,
])
if (final) {
  verdicts.push([
    `slow readers cut by the server: ${final.cut} of ${slowGivenUp} held 45 s`,
    final.cut >= 0.8 * slowGivenUp,
  ])
}
for (const [text, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`)
server.kill('SIGTERM')
process.exit(verdicts.every(([, ok]) => ok) ? 0 : 1)
