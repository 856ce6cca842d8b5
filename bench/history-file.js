// What a durable history costs: publishes/s and CPU per event with and without --history-file.
//
// Run:  npm run bench:history-file                      20,000 events per setup
//       npm run bench:history-file -- --events 5000
//
// Method, two parts, each setup in the same run:
//   transport: the transports alone, in this process (no HTTP): memory, LMDB acknowledging on
//     disk (`durability: 'disk'`, the default) and on commit (`'process'`). `--events` events of
//     100 bytes published by 1, 16 or 256 loops (a tenth as many by 1), each awaiting its
//     publish before the next (so up to that many publishes wait for one group commit). Reported: events/s, this process's
//     CPU µs per event (process.cpuUsage), ack latency p50 / p99, and events per commit (LMDB's
//     transaction ids before and after, read from the file's meta pages).
//   server: `ssehub serve --workers 1 --no-clock`, in memory and with --history-file, no
//     subscribers; `--events` publishes over HTTP keep-alive with 16 requests in flight.
//     Reported: publishes/s and the server's CPU µs per publish (/proc/PID/stat).
// The history files are in a temporary directory on the disk that os.tmpdir() is on. Table to
// stdout, JSON to bench/results/.
import { spawn } from 'node:child_process'
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createMemoryTransport } from '../dist/hub/memory-transport.js'
import { createLmdbTransport } from '../dist/lmdb/lmdb-transport.js'
import { freePort, procStat, stop, track, waitForPort } from './lib/processes.js'
import { quantiles } from './lib/stats.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const CLI = join(here, '..', 'dist', 'cli', 'main.js')
const DATA = 'x'.repeat(100)
const HTTP_IN_FLIGHT = 16

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '1,16,256' },
  },
})
const events = Number(values.events)
const concurrencies = values.concurrency.split(',').map(Number)
const dir = mkdtempSync(join(tmpdir(), 'ssehub-bench-history-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** The newer of an LMDB file's two meta pages' transaction ids (see src/lmdb/file-check.ts). */
function lastTxnId(path) {
  const fd = openSync(path, 'r')
  const meta = Buffer.alloc(160)
  try {
    readSync(fd, meta, 0, 160, 0)
    const first = Number(meta.readBigUInt64LE(152))
    readSync(fd, meta, 0, 160, meta.readUInt32LE(48))
    const second = Number(meta.readBigUInt64LE(152))
    return Math.max(first, second)
  } finally {
    closeSync(fd)
  }
}

async function measureTransport(setup, concurrency) {
  const path = join(dir, `transport-${++files}.mdb`)
  const transport =
    setup === 'memory'
      ? createMemoryTransport({ historySize: events })
      : await createLmdbTransport({ path, historySize: events, durability: setup })
  transport.tail(() => {})
  const txnBefore = setup === 'memory' ? 0 : lastTxnId(path)
  // One at a time, each publish pays a whole commit: a tenth of the events says as much.
  const count = concurrency === 1 ? Math.ceil(events / 10) : events
  const latencies = []
  let next = 0
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const loop = async () => {
    while (next < count) {
      next++
      const sent = performance.now()
      await transport.publish([{ topics: ['bench'], data: DATA }])
      latencies.push(performance.now() - sent)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  const seconds = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  transport.close()
  await transport.closed
  const commits = setup === 'memory' ? undefined : lastTxnId(path) - txnBefore
  const [p50, p99] = quantiles(latencies, [0.5, 0.99])
  return {
    part: 'transport',
    setup,
    concurrency,
    events: count,
    eventsPerSecond: Math.round(count / seconds),
    cpuUsPerEvent: round((cpu.user + cpu.system) / count),
    ackP50Ms: round(p50),
    ackP99Ms: round(p99),
    eventsPerCommit: commits === undefined ? undefined : round(count / commits),
  }
}

async function measureServer(setup) {
  const port = await freePort()
  const file = setup === 'memory' ? [] : ['--history-file', join(dir, `server-${++files}.mdb`)]
  const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--workers', '1']
  const child = track(
    spawn(
      process.execPath,
      [CLI, ...args, '--no-clock', '--history-size', String(events), ...file],
      {
        stdio: 'ignore',
      },
    ),
  )
  await waitForPort(port, child)
  const agent = new Agent({ keepAlive: true, maxSockets: HTTP_IN_FLIGHT })
  const publish = () =>
    new Promise((resolve, reject) => {
      const req = request(
        { agent, port, host: '127.0.0.1', method: 'POST', path: '/publish' },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`)),
          )
        },
      )
      req.setHeader('content-type', 'application/json')
      req.end(JSON.stringify({ topic: 'bench', data: DATA }))
    })
  for (let i = 0; i < 200; i++) await publish()
  const before = procStat(child.pid).cpuSeconds
  const start = performance.now()
  let next = 0
  const loop = async () => {
    while (next < events) {
      next++
      await publish()
    }
  }
  await Promise.all(Array.from({ length: HTTP_IN_FLIGHT }, loop))
  const seconds = (performance.now() - start) / 1000
  const cpuSeconds = procStat(child.pid).cpuSeconds - before
  agent.destroy()
  await stop(child)
  return {
    part: 'server',
    setup: setup === 'memory' ? 'memory' : '--history-file',
    concurrency: HTTP_IN_FLIGHT,
    events,
    eventsPerSecond: Math.round(events / seconds),
    cpuUsPerEvent: round((cpuSeconds * 1e6) / events),
  }
}

const round = (x) => Math.round(x * 100) / 100

const rows = []
for (const concurrency of concurrencies) {
  for (const setup of ['memory', 'disk', 'process']) {
    rows.push(await measureTransport(setup, concurrency))
  }
}
for (const setup of ['memory', 'file']) rows.push(await measureServer(setup))

console.log(
  `| part | setup | in flight | events | events/s | CPU µs/event | ack p50 / p99 ms | events/commit |`,
)
console.log('| --- | --- | --: | --: | --: | --: | --: | --: |')
for (const r of rows) {
  const ack = r.ackP50Ms === undefined ? '' : `${r.ackP50Ms} / ${r.ackP99Ms}`
  console.log(
    `| ${r.part} | ${r.setup} | ${r.concurrency} | ${r.events} | ${r.eventsPerSecond} | ${r.cpuUsPerEvent} | ${ack} | ${r.eventsPerCommit ?? ''} |`,
  )
}
const machine = `${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
console.log(`\n${machine}`)
mkdirSync(join(here, 'results'), { recursive: true })
writeFileSync(
  join(here, 'results', `history-file-${Date.now()}.json`),
  JSON.stringify({ machine, rows }, null, 2),
)
