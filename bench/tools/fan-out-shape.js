// Where the latency of a fan-out at the fixed rate goes, per event: when its first stream gets
// it (the publish path), how long until the last one does (the fan-out's length), and the
// longest pause in between (the loop doing something else). Runs the broadcast scenario of
// `npm run bench` with the load client writing every delivery's times (SHAPE, see
// load-client.c), builds and peers in turn, round after round:
//   node bench/tools/fan-out-shape.js --servers nchan,raw-node
//   node bench/tools/fan-out-shape.js --builds before=dist-before,after=dist --rounds 4
// Prints medians over the phase's events (µs), then the median of each over the rounds, and the
// latency percentiles of every delivery of every round together: a p99 of one 10-second phase
// is decided by a handful of slow events, one over many rounds is not. Last, each server's
// pooled p99 as a ratio to the first peer's (without peers, the first build's), with the range
// that ratio takes when the rounds are drawn again: how far the machine's spread lets it be
// trusted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildLoadClient } from '../lib/load-client.js'
import { warmUpPublisher } from '../lib/publisher.js'
import { latencyHistogram, median, quantile, quantiles, resampledRatio } from '../lib/stats.js'
import { broadcast } from '../scenarios/broadcast.js'
import { comparedServers, inTurn } from '../servers.js'

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: 'ssehub=dist' },
    servers: { type: 'string', default: '' },
    subscribers: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
  },
})
const subscribers = Number(values.subscribers)
const rate = Math.max(1, Math.round(30_000 / subscribers))
// The load client's reports in the scenario: warm-up burst, warm-up second, the fixed rate.
const FIXED_REPORT = 2

const contenders = new Map(comparedServers(values.builds, values.servers))
const binary = buildLoadClient()
const dir = mkdtempSync(join(tmpdir(), 'ssehub-shape-'))
await warmUpPublisher()

/**
 * Per event of the dump (deliveries grouped by send time): first, last, span, longest gap. Adds
 * every delivery's latency to `pooled` and the round's histogram to `histograms`.
 */
function shape(file, pooled, histograms) {
  const byEvent = new Map()
  const start = pooled.length
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue
    const [sent, text] = line.split(' ')
    const latency = Number(text)
    pooled.push(latency)
    const list = byEvent.get(sent)
    if (list === undefined) byEvent.set(sent, [latency])
    else list.push(latency)
  }
  const first = []
  const last = []
  const span = []
  const gap = []
  for (const latencies of byEvent.values()) {
    latencies.sort((a, b) => a - b)
    let longest = 0
    for (let i = 1; i < latencies.length; i++) {
      longest = Math.max(longest, latencies[i] - latencies[i - 1])
    }
    first.push(latencies[0])
    last.push(latencies.at(-1))
    span.push(latencies.at(-1) - latencies[0])
    gap.push(longest)
  }
  histograms.push([latencyHistogram(pooled.slice(start))])
  return {
    events: byEvent.size,
    first: median(first),
    last: median(last),
    lastP90: quantile(last, 0.9),
    span: median(span),
    gap: median(gap),
  }
}

const rounds = new Map([...contenders.keys()].map((name) => [name, []]))
// Every delivery's latency (µs) of every round, per server.
const pooled = new Map([...contenders.keys()].map((name) => [name, []]))
// Each round's latencies in bins (one block: the whole phase), per server, to draw rounds again from.
const histograms = new Map([...contenders.keys()].map((name) => [name, []]))
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, server] of inTurn([...contenders], round)) {
      const prefix = join(dir, `${name}-${round}`)
      process.env.SHAPE = prefix
      const [fixed] = await broadcast(
        { binary, name, server, nodeFlags: [], stopSignal: 'SIGKILL' },
        { subscribers, events: 20, rate, seconds: Number(values.seconds) },
      )
      const row = {
        ...shape(`${prefix}.${FIXED_REPORT}`, pooled.get(name), histograms.get(name)),
        p99: Math.round(fixed.p99Ms * 1000),
      }
      rounds.get(name).push(row)
      console.log(`round ${round + 1} ${name}: ${JSON.stringify(row)}`)
    }
  }
} finally {
  delete process.env.SHAPE
  rmSync(dir, { recursive: true, force: true })
}

console.log(
  `\n${subscribers} streams, ${rate}/s x ${values.seconds} s; per event, µs after the publish (medians of ${values.rounds} rounds)\n`,
)
console.log('| server | first stream | last stream (p90) | first to last | longest pause | p99 |')
console.log('| --- | --: | --: | --: | --: | --: |')
for (const [name, rows] of rounds) {
  const m = (key) => median(rows.map((r) => r[key])).toFixed(0)
  console.log(
    `| ${name} | ${m('first')} | ${m('last')} (${m('lastP90')}) | ${m('span')} | ${m('gap')} | ${m('p99')} |`,
  )
}

console.log(`\nEvery delivery of the ${values.rounds} rounds together, ms\n`)
console.log('| server | deliveries | p50 | p90 | p99 | p99.9 |')
console.log('| --- | --: | --: | --: | --: | --: |')
// Each server's pooled p99 (µs), from the one sort of its millions for the table.
const p99s = new Map()
for (const [name, latencies] of pooled) {
  const [p50, p90, p99, p999] = quantiles(latencies, [0.5, 0.9, 0.99, 0.999])
  p99s.set(name, p99)
  const ms = [p50, p90, p99, p999].map((us) => (us / 1000).toFixed(1))
  console.log(`| ${name} | ${latencies.length} | ${ms.join(' | ')} |`)
}

const reference = values.servers.split(',').find(Boolean) ?? [...contenders.keys()][0]
console.log(
  `\nPooled p99 as a ratio to ${reference}'s, and the range of 90% of ratios over the rounds drawn again (2,000 times, with replacement)\n`,
)
console.log(`| server | p99 ÷ ${reference}'s | 90% between | round by round |`)
console.log('| --- | --: | --- | --- |')
for (const name of contenders.keys()) {
  if (name === reference) continue
  const [low, high] = resampledRatio(histograms.get(name), histograms.get(reference), 0.99)
  const ratio = (p99s.get(name) / p99s.get(reference)).toFixed(3)
  const references = rounds.get(reference)
  const perRound = rounds.get(name).map((row, i) => (row.p99 / references[i].p99).toFixed(2))
  console.log(
    `| ${name} | ${ratio} | ${low.toFixed(3)} and ${high.toFixed(3)} | ${perRound.join(' ')} |`,
  )
}
process.exit(0)
