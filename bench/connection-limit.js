// Connection limit check (issue 20, defect 10): a hub whose open-files limit is small is asked for
// more streams than it has files. Counts the streams served, those told to retry later (a 200
// with `retry:` and no event), those cut without an answer, then asks `/healthz` and counts the
// hub's open files. With `--max-connections 0` (no limit) it shows what happens without one.
//
//   npm run build && node bench/connection-limit.js                   # the default limit
//   node bench/connection-limit.js --max-connections 0                # no limit
//   node bench/connection-limit.js --fd-limit 1024 --streams 1500
//
// Method: `ssehub serve --workers 1` under `ulimit -n <fd-limit>`; the streams connect 50 at a
// time, each a raw `GET /events` with `Accept: text/event-stream`, and each is classified once it
// has its answer (or after 5 s without one). The client's own limit must be above `--streams`.
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { parseArgs } from 'node:util'
import { freePort } from './lib/processes.js'

const { values } = parseArgs({
  options: {
    'fd-limit': { type: 'string', default: '1024' },
    streams: { type: 'string', default: '1500' },
    'max-connections': { type: 'string' },
  },
})
const fdLimit = Number(values['fd-limit'])
const total = Number(values.streams)
const port = await freePort()
const limitArgs =
  values['max-connections'] === undefined ? '' : `--max-connections ${values['max-connections']}`
const server = spawn(
  'bash',
  [
    '-c',
    `ulimit -n ${fdLimit} && exec node dist/cli/main.js serve --port ${port} --host 127.0.0.1 --workers 1 --no-clock ${limitArgs}`,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
)
let log = ''
server.stderr.setEncoding('utf8')
await new Promise((resolve, reject) => {
  server.stderr.on('data', (chunk) => {
    log += chunk
    if (log.includes('"msg":"listening"')) resolve()
  })
  server.once('exit', () => reject(new Error(`the server exited:\n${log}`)))
})

/** Opens one stream; resolves with 'served', 'refused' or 'cut'. */
function openStream() {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const settle = (outcome) => {
      clearTimeout(timer)
      resolve({ outcome, socket })
    }
    const timer = setTimeout(() => settle(received === '' ? 'cut' : 'served'), 5000)
    socket.setEncoding('latin1')
    socket.on('connect', () =>
      socket.write('GET /events?topic=t HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n'),
    )
    socket.on('data', (chunk) => {
      received += chunk
      if (/^retry: \d+$/m.test(received)) settle('refused')
      else if (received.startsWith('HTTP/1.1 200') && received.includes('\r\n\r\n'))
        settle('served')
    })
    socket.on('error', () => {})
    socket.on('close', () => settle(received === '' ? 'cut' : 'refused'))
  })
}

const counts = { served: 0, refused: 0, cut: 0 }
const sockets = []
for (let opened = 0; opened < total; opened += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, total - opened) }, () => openStream()),
  )
  for (const { outcome, socket } of batch) {
    counts[outcome]++
    sockets.push(socket)
  }
}
const started = performance.now()
const health = await fetch(`http://127.0.0.1:${port}/healthz`, {
  signal: AbortSignal.timeout(10_000),
}).then(
  (r) => `${r.status} in ${Math.round(performance.now() - started)} ms`,
  (e) => `failed (${e.cause?.code ?? e.name}) after ${Math.round(performance.now() - started)} ms`,
)
const serverFds = readdirSync(`/proc/${server.pid}/fd`).length
const limitLines = log.split('\n').filter((l) => l.includes('connection limit')).length
console.log(
  JSON.stringify({ fdLimit, streams: total, ...counts, healthz: health, serverFds, limitLines }),
)
for (const socket of sockets) socket.destroy()
server.kill('SIGKILL')
