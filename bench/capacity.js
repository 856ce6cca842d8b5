// Capacity check (issue 5): ssehub holds 19,000 streams per process with heartbeats running, and
// `--workers 2` twice that. Each load-client process holds at most 19,000 streams (the per-process
// file limit here is 20,000), so the check starts as many as it needs.
//
//   npm run build && node bench/capacity.js                          # --workers 1 and 2
//   node bench/capacity.js --workers 2 --streams 38000 --heartbeat 1 --hold 10
import { parseArgs } from 'node:util'
import { sendTimeUs } from './lib/clock.js'
import { buildLoadClient, startLoadClient } from './lib/load-client.js'
import { freePort, procStat, sleep, stop, track, waitForPort } from './lib/processes.js'
import { SERVERS } from './servers.js'

const PER_CLIENT = 19_000

const { values } = parseArgs({
  options: {
    workers: { type: 'string' },
    streams: { type: 'string' },
    heartbeat: { type: 'string', default: '1' },
    hold: { type: 'string', default: '10' },
    events: { type: 'string', default: '5' },
  },
})
const plans = values.workers
  ? [
      {
        workers: Number(values.workers),
        streams: Number(values.streams ?? 19_000 * Number(values.workers)),
      },
    ]
  : [
      { workers: 1, streams: 19_000 },
      { workers: 2, streams: 38_000 },
    ]

const binary = buildLoadClient()
const rows = []
for (const plan of plans) rows.push(await check(plan))
console.log(
  `\nMachine: Node ${process.version}; heartbeat ${values.heartbeat} s, held ${values.hold} s\n`,
)
console.log(
  '| workers | streams | connected in s | held | lost | KB/idle conn | server RSS MB | server CPU s while holding |',
)
console.log('| --: | --: | --: | --: | --: | --: | --: | --: |')
for (const r of rows) {
  console.log(
    `| ${r.workers} | ${r.streams} | ${r.connectSeconds.toFixed(1)} | ${r.held} | ${r.lost} | ${r.kbPerConn.toFixed(1)} | ${(r.rssKb / 1024).toFixed(0)} | ${r.holdCpu.toFixed(2)} |`,
  )
}

async function check({ workers, streams }) {
  const port = await freePort()
  const server = track(
    SERVERS.ssehub.start(port, [], ['--workers', String(workers), '--heartbeat', values.heartbeat]),
  )
  server.stderr?.resume()
  await waitForPort(port, server)
  await sleep(500)
  const base = procStat(server.pid)
  const started = performance.now()
  const clients = []
  for (let left = streams; left > 0; left -= PER_CLIENT) {
    const count = Math.min(left, PER_CLIENT)
    clients.push({ count, ...startLoadClient(binary, port, '/events?topic=capacity', count) })
  }
  await Promise.all(clients.map((c) => c.ready))
  const connectSeconds = (performance.now() - started) / 1000
  await sleep(500)
  const idle = procStat(server.pid)
  // Heartbeats run on every stream meanwhile; a stream a heartbeat broke would miss the events.
  await sleep(Number(values.hold) * 1000)
  const held = procStat(server.pid)
  const events = Number(values.events)
  for (let i = 0; i < events; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `topic=capacity&data=${sendTimeUs()}`,
    })
    if (!response.ok) throw new Error(`publish answered ${response.status}`)
  }
  let received = 0
  for (const client of clients) {
    const last = await client.waitUntil('count', (s) => s.events >= client.count * events)
    received += last.events
  }
  for (const client of clients) await stop(client.child)
  await stop(server)
  return {
    workers,
    streams,
    connectSeconds,
    held: streams,
    lost: streams * events - received,
    kbPerConn: (idle.rssKb - base.rssKb) / streams,
    rssKb: idle.rssKb,
    holdCpu: held.cpuSeconds - idle.cpuSeconds,
  }
}
