// Compares builds of ssehub (and peers) on one broadcast, alternating them round after round so
// that a noisy machine weighs on all alike; prints each round and the medians. For a change to
// the hot path: build before it, `cp -r dist dist-before` (beside `dist`, so the demo page and
// node_modules resolve), build after it, then
//   node bench/tools/alternate.js --builds before=dist-before,after=dist --servers nchan
//   node bench/tools/alternate.js --builds after=dist --servers nchan,raw-node --subscribers 10000 --rounds 3
//   node bench/tools/alternate.js --builds before=dist-before,after=dist --workers 2
// With peers, the fixed-rate p99 of each other server is also given round by round as a ratio to
// the first peer's (`--servers nchan,raw-node`: to Nchan's).
// Per round: the broadcast scenario of `npm run bench` (its warm-up, 30,000 deliveries/s for
// --seconds, then a burst of 600,000 deliveries).
import { parseArgs } from 'node:util'
import { buildLoadClient } from '../lib/load-client.js'
import { warmUpPublisher } from '../lib/publisher.js'
import { median } from '../lib/stats.js'
import { broadcast } from '../scenarios/broadcast.js'
import { comparedServers, inTurn } from '../servers.js'

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'ssehub=dist' },
    servers: { type: 'string', default: '' },
    subscribers: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    // Worker processes of each ssehub build (`serve --workers`).
    workers: { type: 'string', default: '1' },
  },
})
const subscribers = Number(values.subscribers)
const seconds = Number(values.seconds)
const rate = Math.max(1, Math.round(30_000 / subscribers))
const burstEvents = Math.round(600_000 / subscribers)

const contenders = new Map(comparedServers(values.builds, values.servers, Number(values.workers)))

const binary = buildLoadClient()
await warmUpPublisher()
const rounds = new Map([...contenders.keys()].map((name) => [name, []]))
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, server] of inTurn([...contenders], round)) {
    // The broadcast scenario itself, so both measure the same phases the same way.
    const [fixed, burst] = await broadcast(
      { binary, name, server, nodeFlags: [], stopSignal: 'SIGKILL' },
      { subscribers, events: burstEvents, rate, seconds },
    )
    const row = {
      fixedUs: fixed.usPerDelivery,
      fixedUserUs: fixed.usPerDelivery * (1 - fixed.sysShare),
      p50: fixed.p50Ms,
      p99: fixed.p99Ms,
      burstUs: burst.usPerDelivery,
      burstPerSecond: burst.eventsPerSecond,
      lost: fixed.lost + burst.lost,
    }
    rounds.get(name).push(row)
    console.log(
      `round ${round + 1} ${name}: ${JSON.stringify(row, (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`,
    )
  }
}

console.log(
  `\n${subscribers} streams, ${rate}/s x ${seconds} s then ${burstEvents} events as fast as taken; medians of ${values.rounds} rounds\n`,
)
console.log(
  '| server | fixed µs/delivery (user) | fixed p50 / p99 ms | burst µs/delivery | burst delivered/s | lost |',
)
console.log('| --- | --: | --: | --: | --: | --: |')
for (const [name, rows] of rounds) {
  const m = (key, digits = 2) => median(rows.map((r) => r[key])).toFixed(digits)
  const lost = rows.reduce((sum, r) => sum + r.lost, 0)
  console.log(
    `| ${name} | ${m('fixedUs')} (${m('fixedUserUs')}) | ${m('p50', 1)} / ${m('p99', 1)} | ${m('burstUs')} | ${m('burstPerSecond', 0)} | ${lost} |`,
  )
}

// The fixed-rate p99 moves 10-20 % between minutes, build or peer alike: a median hides whether
// one is under another round after round. Rounds pair up (each ran all in turn, minutes apart).
const [reference] = values.servers.split(',').filter(Boolean)
if (reference !== undefined && rounds.has(reference)) {
  const theirs = rounds.get(reference)
  console.log(`\nFixed p99 as a ratio to ${reference}'s in the same round\n`)
  console.log('| server | per round | median | rounds at or under |')
  console.log('| --- | --- | --: | --: |')
  for (const [name, rows] of rounds) {
    if (name === reference) continue
    const ratios = rows.map((r, i) => r.p99 / theirs[i].p99)
    const under = ratios.filter((r) => r <= 1).length
    console.log(
      `| ${name} | ${ratios.map((r) => r.toFixed(2)).join(' ')} | ${median(ratios).toFixed(2)} | ${under} of ${ratios.length} |`,
    )
  }
}
process.exit(0)
