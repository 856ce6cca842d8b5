// What ssehub/client costs a reader: events/s and this process's CPU per event while one client
// reads a long replay, beside the `eventsource` package (a WHATWG EventSource for Node).
//
// Run:  npm run build && node bench/tools/client-throughput.js              50,000 events
//       node bench/tools/client-throughput.js --events 20000 --runs 5
//
// Method: one `ssehub serve --workers 1 --no-clock` child keeps `--events` events of 100 bytes
// (published beforehand in batches of 1,000). Each client, in this process and one after the
// other, opens `/events?topic=b&lastEventID=<first id>` and reads the replay of the others (the
// hub sends it 64 KiB at a time as the client takes it) until the last arrives. Reported per
// client: the median of `--runs` runs (interleaved: a run of each client in turn) of events/s (from constructing the client to the last
// event) and this process's CPU µs per event (process.cpuUsage, user + system). The server's
// work is the same for every client; it runs in its own process.
import { spawn } from 'node:child_process'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { EventSource as PackageEventSource } from 'eventsource'
import { EventSource, events } from '../../dist/client/index.js'
import { listeningUrl, stop, track } from '../lib/processes.js'

const { values } = parseArgs({
  options: { events: { type: 'string', default: '50000' }, runs: { type: 'string', default: '3' } },
})
const COUNT = Number(values.events)
const RUNS = Number(values.runs)
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist', 'cli', 'main.js')

const child = track(
  spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--workers',
      '1',
      '--no-clock',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--history-size',
      String(COUNT + 1),
      '--history-bytes',
      String(256 * 1024 * 1024),
      '--max-buffered-bytes',
      String(256 * 1024 * 1024),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  ),
)
const base = await listeningUrl(child)

let firstId = ''
const data = 'x'.repeat(100)
for (let sent = 0; sent < COUNT; sent += 1000) {
  const batch = Array.from({ length: Math.min(1000, COUNT - sent) }, () => ({ topic: 'b', data }))
  const response = await fetch(`${base}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  })
  if (!response.ok) throw new Error(`publish: ${response.status} ${await response.text()}`)
  const { ids } = await response.json()
  if (firstId === '') firstId = ids[0]
}
const url = `${base}/events?topic=b&lastEventID=${encodeURIComponent(firstId)}`
const expected = COUNT - 1

/** Each client: resolves once `expected` events have arrived, then closes. */
const clients = {
  'ssehub/client EventSource': () =>
    new Promise((resolve) => {
      let seen = 0
      const source = new EventSource(url, { share: false })
      source.onmessage = () => {
        if (++seen === expected) {
          source.close()
          resolve()
        }
      }
    }),
  'ssehub/client events()': async () => {
    let seen = 0
    for await (const _ of events(url)) if (++seen === expected) break
  },
  'eventsource 4 (npm)': () =>
    new Promise((resolve) => {
      let seen = 0
      const source = new PackageEventSource(url)
      source.onmessage = () => {
        if (++seen === expected) {
          source.close()
          resolve()
        }
      }
    }),
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
const results = Object.fromEntries(
  Object.keys(clients).map((name) => [name, { rates: [], cpu: [] }]),
)
// Interleaved, a run of each client in turn: warm-up and the machine's moods fall on all alike.
for (let run = 0; run < RUNS; run++) {
  for (const [name, read] of Object.entries(clients)) {
    const cpuBefore = process.cpuUsage()
    const start = performance.now()
    await read()
    const seconds = (performance.now() - start) / 1000
    const used = process.cpuUsage(cpuBefore)
    results[name].rates.push(expected / seconds)
    results[name].cpu.push((used.user + used.system) / expected)
  }
}
const rows = Object.entries(results).map(([client, { rates, cpu }]) => ({
  client,
  'events/s': Math.round(median(rates)),
  'CPU µs/event': median(cpu).toFixed(2),
}))
await stop(child)
console.log(
  `${expected} events of 100 bytes, median of ${RUNS} interleaved runs; ${cpus()[0]?.model}, Node ${process.version}`,
)
console.table(rows)
