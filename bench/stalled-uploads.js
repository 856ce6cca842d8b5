// Stalled uploads check (issue 20, defect 5): publishes that stop half-way through their body,
// and connections that never send a head, must not hold the hub's files and memory.
//
//   npm run build && node bench/stalled-uploads.js                    # the default deadlines
//   node bench/stalled-uploads.js --serve-args='--body-timeout 0 --headers-timeout 0'   # no deadlines
//
// Method: `ssehub serve --workers 1`; `--uploads` connections each send a publish head declaring
// 1 MiB and then 512 KiB of it, as many send nothing at all; the hub's open files and resident
// memory are read from /proc 2 s after all are sent, and again when every connection has closed
// (or after `--wait` seconds). The time is from the last connection made.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { parseArgs } from 'node:util'
import { freePort, listeningUrl } from './lib/processes.js'

const { values } = parseArgs({
  options: {
    uploads: { type: 'string', default: '300' },
    wait: { type: 'string', default: '30' },
    'serve-args': { type: 'string', default: '' },
  },
})
const count = Number(values.uploads)
const port = await freePort()
const server = spawn(
  'node',
  [
    'dist/cli/main.js',
    'serve',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--workers',
    '1',
    '--no-clock',
    ...values['serve-args'].split(' ').filter(Boolean),
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
)
await listeningUrl(server)

const usage = () => ({
  fds: readdirSync(`/proc/${server.pid}/fd`).length,
  rssMiB: Math.round(
    (Number(readFileSync(`/proc/${server.pid}/statm`, 'utf8').split(' ')[1]) * 4096) / 2 ** 20,
  ),
})
const idle = usage()
const head = `POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${2 ** 20}\r\n\r\n`
const part = Buffer.alloc(2 ** 19, 'x')
let answered408 = 0
const closed = []
const sockets = []
for (let i = 0; i < count; i++) {
  for (const silent of [false, true]) {
    const socket = connect(port, '127.0.0.1')
    sockets.push(socket)
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      if (String(chunk).startsWith('HTTP/1.1 408')) answered408++
    })
    closed.push(new Promise((resolve) => socket.once('close', resolve)))
    if (!silent) socket.on('connect', () => socket.write(head) && socket.write(part))
  }
}
await Promise.all(
  sockets.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r) : r()))),
)
const sent = performance.now()
await new Promise((resolve) => setTimeout(resolve, 2000))
const stalled = usage()
const timeout = new Promise((resolve) => setTimeout(resolve, Number(values.wait) * 1000, 'timeout'))
const outcome = await Promise.race([Promise.all(closed).then(() => 'all closed'), timeout])
const seconds = ((performance.now() - sent) / 1000).toFixed(1)
console.log(
  JSON.stringify({
    uploads: count,
    silent: count,
    outcome,
    seconds,
    answered408,
    idle,
    stalled,
    after: usage(),
  }),
)
for (const socket of sockets) socket.destroy()
server.kill('SIGKILL')
