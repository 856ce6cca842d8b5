// The fixed-rate latency of several servers measured at the same time, not in turn: in each
// round all of them run, freshly started, with their streams connected, and one publisher deals
// the events out to them in turn (30/s in all at 1,000 streams: with three servers each gets
// every third). A slow spell of the machine then falls on all of them alike; taking turns
// (alternate.js), one server's phase could land in it and the next one's not.
//   node bench/tools/interleaved.js --servers nchan,raw-node
//   node bench/tools/interleaved.js --builds before=dist-before,after=dist --servers nchan
// Prints each server's latency percentiles over every delivery of every round, the median
// first stream and first-to-last per event, and each server's p99 as a ratio to the
// reference's (the first peer, else the first build) with the range it takes when the rounds,
// and the blocks of time within them, are drawn again with replacement (bench/lib/stats.js).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sendTimeUs } from '../lib/clock.js'
import { buildLoadClient } from '../lib/load-client.js'
import { createPublisher, onSchedule, warmUpPublisher } from '../lib/publisher.js'
import { openSession } from '../lib/session.js'
import { latencyHistogram, median, quantiles, resampledRatio } from '../lib/stats.js'
import { TOPIC, warmUp } from '../scenarios/broadcast.js'
import { comparedServers, inTurn } from '../servers.js'

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'ssehub=dist' },
    servers: { type: 'string', default: '' },
    subscribers: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '150' },
    'block-seconds': { type: 'string', default: '10' },
  },
})
const subscribers = Number(values.subscribers)
// Events a second over all servers: the broadcast scenario's fixed rate for one, so the
// machine's load is the same and each fan-out has the machine to itself.
const rate = Math.max(1, Math.round(30_000 / subscribers))
const seconds = Number(values.seconds)
const blockUs = Number(values['block-seconds']) * 1e6
const blockCount = Math.ceil((seconds * 1e6) / blockUs)
// The load client's reports: warm-up burst, warm-up at the rate, the interleaved phase.
const MEASURED_REPORT = 2

const contenders = comparedServers(values.builds, values.servers)
const names = contenders.map(([name]) => name)
const binary = buildLoadClient()
const dir = mkdtempSync(join(tmpdir(), 'ssehub-interleaved-'))
await warmUpPublisher()

/** Starts every server with its streams and warms each up as the broadcast scenario does. */
async function openAll(round) {
  const sessions = []
  try {
    for (const [name, server] of inTurn(contenders, round)) {
      // The load client reads where to write its deliveries when it starts.
      process.env.SHAPE = join(dir, `${name}-${round}`)
      const session = await openSession({ binary, name, server, topics: [TOPIC], subscribers })
      const publisher = createPublisher(session.port, server)
      sessions.push({ name, session, publisher })
      await warmUp(session, publisher, rate)
    }
  } catch (error) {
    await closeAll(sessions)
    throw error
  } finally {
    delete process.env.SHAPE
  }
  return sessions
}

async function closeAll(sessions) {
  for (const { session, publisher } of sessions) {
    publisher.close()
    await session.close()
  }
}

/**
 * One round: `seconds` of events dealt out in turn. Each cycle gives every server one event, in
 * an order turned by one each cycle, so that no server always follows the same one.
 * @returns when the first event was sent (µs), and per server the events it missed
 */
async function dealRound(sessions) {
  const total = Math.round(rate * seconds)
  const cycles = Math.ceil(total / sessions.length)
  const order = Array.from({ length: cycles }, (_, c) => inTurn(sessions, c))
    .flat()
    .slice(0, total)
  const before = await Promise.all(sessions.map(({ session }) => session.client.ask('count')))
  const start = Number(sendTimeUs())
  await onSchedule(rate, total, (i) => order[i].publisher.publish(TOPIC))
  const lost = new Map()
  for (const [i, entry] of sessions.entries()) {
    const expected = subscribers * order.filter((e) => e === entry).length
    const { events } = await entry.session.client.waitUntil(
      'count',
      (s) => s.events - before[i].events >= expected,
    )
    lost.set(entry.name, expected - (events - before[i].events))
    await entry.session.client.ask('report')
  }
  return { start, lost }
}

/** A server's deliveries in one round: latencies (µs) into `into`, per block and per event. */
function readRound(file, start, into) {
  const blocks = Array.from({ length: blockCount }, () => [])
  const byEvent = new Map()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue
    const [sent, text] = line.split(' ')
    const latency = Number(text)
    into.latencies.push(latency)
    const block = Math.floor((Number(sent) - start) / blockUs)
    blocks[Math.max(0, Math.min(blockCount - 1, block))].push(latency)
    const event = byEvent.get(sent)
    if (event === undefined) byEvent.set(sent, { first: latency, last: latency })
    else {
      event.first = Math.min(event.first, latency)
      event.last = Math.max(event.last, latency)
    }
  }
  into.rounds.push(blocks.map(latencyHistogram))
  for (const { first, last } of byEvent.values()) {
    into.first.push(first)
    into.span.push(last - first)
  }
}

const results = new Map(
  names.map((name) => [name, { latencies: [], rounds: [], first: [], span: [], lost: 0 }]),
)
console.log(
  `${names.length} servers, ${subscribers} streams each, ${rate} events/s dealt out in turn, ${values.rounds} rounds of ${seconds} s`,
)
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const sessions = await openAll(round)
    let dealt
    try {
      dealt = await dealRound(sessions)
    } finally {
      await closeAll(sessions)
    }
    for (const name of names) {
      const result = results.get(name)
      result.lost += dealt.lost.get(name)
      readRound(join(dir, `${name}-${round}.${MEASURED_REPORT}`), dealt.start, result)
    }
    console.log(`round ${round + 1} done`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

console.log(
  '\n| server | deliveries | lost | first stream µs | first to last µs | p50 | p90 | p99 | p99.9 ms |',
)
console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |')
const p99s = new Map()
for (const [name, r] of results) {
  const [p50, p90, p99, p999] = quantiles(r.latencies, [0.5, 0.9, 0.99, 0.999])
  p99s.set(name, p99)
  const ms = [p50, p90, p99, p999].map((us) => (us / 1000).toFixed(1))
  console.log(
    `| ${name} | ${r.latencies.length} | ${r.lost} | ${median(r.first)} | ${median(r.span)} | ${ms.join(' | ')} |`,
  )
}

const reference = values.servers.split(',').find(Boolean) ?? names[0]
console.log(
  `\np99 as a ratio to ${reference}'s, and the range of 90% of ratios over the rounds and their blocks of ${values['block-seconds']} s drawn again (2,000 times, with replacement)\n`,
)
console.log(`| server | p99 ÷ ${reference}'s | 90% between |`)
console.log('| --- | --: | --- |')
for (const [name, r] of results) {
  if (name === reference) continue
  const [low, high] = resampledRatio(r.rounds, results.get(reference).rounds, 0.99)
  const ratio = (p99s.get(name) / p99s.get(reference)).toFixed(3)
  console.log(`| ${name} | ${ratio} | ${low.toFixed(3)} and ${high.toFixed(3)} |`)
}
process.exit(0)
