// What serving event streams over TLS and HTTP/2 costs the server, against plain HTTP/1.1: the
// server's CPU time (user + system, from /proc/<pid>/stat) per 1,000 deliveries of a broadcast.
//   npm run build && node bench/tools/http2-fanout.js [streams=1000] [events=200]
// Method: for each protocol, `ssehub serve --workers 1 --no-clock --heartbeat 0` is started with
// a certificate made by openssl (plain HTTP: none); `streams` streams to one topic are opened
// (HTTP/2: 100 per connection; HTTP/1.1 on TLS: one connection each, ALPN http/1.1; plain: one
// connection each); once each has its retry: line, `events` events of 100 bytes are published
// in batches of 20, each batch once the last has reached every stream; the clock stops when
// every stream has every byte. The client runs in this process and shares the machine.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { connect } from 'node:http2'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const STREAMS = Number(process.argv[2] ?? 1000)
const EVENTS = Number(process.argv[3] ?? 200)
const BATCH = 20
const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'ssehub-bench-tls-'))
const certPath = join(dir, 'cert.pem')
const keyPath = join(dir, 'key.pem')
execFileSync(
  'openssl',
  [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ...['-keyout', keyPath, '-out', certPath],
  ],
  { stdio: 'ignore' },
)
const ca = readFileSync(certPath)

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

async function start(tls) {
  const args = [cli, 'serve', '--workers', '1', '--port', '0', '--host', '127.0.0.1', '--no-clock']
  args.push('--heartbeat', '0', '--max-connections', '0', '--max-buffered-bytes', '268435456')
  if (tls) args.push('--tls-cert', certPath, '--tls-key', keyPath)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (c) => {
      log += c
      const m = /"msg":"listening","url":"([^"]+)"/.exec(log)
      if (m) resolve(m[1])
    })
    child.once('exit', () => reject(new Error(log)))
  })
  return { child, url }
}

/** Opens one stream; calls onBytes(n) per chunk. */
function openers(kind, url) {
  if (kind === 'h2') {
    const sessions = []
    return (i, onBytes) => {
      const at = Math.floor(i / 100)
      sessions[at] ??= connect(url, { ca })
      const stream = sessions[at].request({ ':path': '/events?topic=b' })
      stream.on('data', (c) => onBytes(c.length))
    }
  }
  const agent =
    kind === 'https'
      ? new HttpsAgent({ ca, keepAlive: true, maxSockets: Infinity, ALPNProtocols: ['http/1.1'] })
      : new HttpAgent({ keepAlive: true, maxSockets: Infinity })
  const request = kind === 'https' ? httpsRequest : httpRequest
  return (_, onBytes) => {
    request(`${url}/events?topic=b`, { agent }, (res) =>
      res.on('data', (c) => onBytes(c.length)),
    ).end()
  }
}

async function publish(url, events) {
  const body = JSON.stringify(events)
  const post = url.startsWith('https') ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = post(
      `${url}/publish`,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = ''
        res
          .setEncoding('utf8')
          .on('data', (c) => (text += c))
          .on('end', () => resolve(text.split('\n')))
      },
    )
    req.once('error', reject)
    req.end(body)
  })
}

async function run(kind) {
  const { child, url } = await start(kind !== 'http')
  const counts = new Array(STREAMS).fill(0)
  let total = 0
  let waiter
  const onBytesOf = (i) => (n) => {
    counts[i] += n
    total += n
    waiter?.()
  }
  const until = (done) =>
    new Promise((resolve) => {
      waiter = () => done() && resolve()
      waiter()
    })
  const open = openers(kind, url)
  for (let i = 0; i < STREAMS; i++) open(i, onBytesOf(i))
  await until(() => counts.every((c) => c > 0))
  const data = 'x'.repeat(100)
  const cpu0 = cpuMs(child.pid)
  const t0 = performance.now()
  let expected = total
  for (let sent = 0; sent < EVENTS; sent += BATCH) {
    const ids = await publish(
      url,
      Array.from({ length: BATCH }, () => ({ topic: 'b', data })),
    )
    for (const id of ids) expected += STREAMS * `id: ${id}\ndata: ${data}\n\n`.length
    await until(() => total >= expected)
  }
  const ms = performance.now() - t0
  const cpu = cpuMs(child.pid) - cpu0
  child.kill('SIGKILL')
  const deliveries = STREAMS * EVENTS
  console.log(
    `${kind.padEnd(6)} ${STREAMS} streams x ${EVENTS} events: ${ms.toFixed(0)} ms, ` +
      `server CPU ${cpu.toFixed(0)} ms = ${((cpu / deliveries) * 1000).toFixed(2)} ms per 1,000 deliveries`,
  )
}

try {
  for (const kind of ['http', 'https', 'h2']) await run(kind)
} finally {
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}
