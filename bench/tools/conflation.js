// What per-key conflation buys a client on a slow connection: two streams of the same quotes
// through the demo's slow network (about 2 KiB/s), one keyed by symbol, one not.
//
// Run:  npm run build && node bench/tools/conflation.js                     20 s
//       node bench/tools/conflation.js --seconds 30 --max-buffered-bytes 65536
//
// Method: one hub in this process (`createHubApp`, `listen`, the demo's `withSlowNetwork`). The
// demo's ticker publishes 60 quotes a second to `stocks`, each keyed by its symbol; this tool
// publishes the same quotes, unkeyed, to `unkeyed`. Both are ephemeral, so neither fills the
// history. Two readers, in this process, open `/events?topic=…&slow=1` and parse with ssehub's
// parser. Reported per stream: quotes received, the age of each quote on arrival (now minus the
// time it was priced; median, p99, and of the last one), and whether the hub cut the stream for
// exceeding `--max-buffered-bytes`.
import { parseArgs } from 'node:util'
import { listen } from '../../dist/adapters/node.js'
import { createHubApp } from '../../dist/app/app.js'
import { withSlowNetwork } from '../../dist/demo/slow-network.js'
import { quoteAt, SYMBOLS, startStocks } from '../../dist/demo/stocks.js'
import { createParser } from '../../dist/protocol/parse.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    'max-buffered-bytes': { type: 'string', default: '262144' },
  },
})
const SECONDS = Number(values.seconds)

const app = createHubApp({ maxBufferedBytes: Number(values['max-buffered-bytes']) })
const running = await listen(withSlowNetwork(app), { port: 0, host: '127.0.0.1' })
const stopStocks = startStocks(app.hub)
// The same quotes at the same rate (a quarter of the symbols every 50 ms), without a key.
let next = 0
const unkeyed = setInterval(() => {
  const now = Date.now()
  for (let i = 0; i < Math.ceil(SYMBOLS.length / 4); i++) {
    const quote = quoteAt(next, now)
    next = (next + 1) % SYMBOLS.length
    app.hub
      .publish('unkeyed', { event: 'stock', data: JSON.stringify(quote) }, { ephemeral: true })
      .catch(() => {})
  }
}, 50)

async function read(topic, signal) {
  const ages = []
  let cut = false
  const parser = createParser({
    onEvent(event) {
      if (event.event === 'stock') ages.push(Date.now() - JSON.parse(event.data).time)
    },
  })
  try {
    const response = await fetch(`${running.url}/events?topic=${topic}&slow=1`, { signal })
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        cut = true
        break
      }
      parser.feed(value)
    }
  } catch {
    // The hub cutting the connection ends the body with an error (undici's "terminated").
    if (!signal.aborted) cut = true
  }
  return { topic, ages, cut }
}

const controller = new AbortController()
const readers = [read('stocks', controller.signal), read('unkeyed', controller.signal)]
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
controller.abort()
const results = await Promise.all(readers)
clearInterval(unkeyed)
stopStocks()
await app.close()
await running.close()

const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
console.log(
  `${SECONDS} s, 60 quotes/s published to each topic, read at about 2 KiB/s, cap ${values['max-buffered-bytes']} B`,
)
console.log(
  '| stream | quotes received | age median | age p99 | age of the last | cut by the hub |',
)
console.log('| --- | --: | --: | --: | --: | --- |')
for (const { topic, ages, cut } of results) {
  const sorted = [...ages].sort((a, b) => a - b)
  const ms = (v) => (Number.isNaN(v) ? '-' : `${Math.round(v)} ms`)
  console.log(
    `| ${topic === 'stocks' ? 'keyed (conflated)' : 'unkeyed'} | ${ages.length} | ${ms(at(sorted, 0.5))} | ${ms(at(sorted, 0.99))} | ${ms(ages.at(-1) ?? Number.NaN)} | ${cut ? 'yes' : 'no'} |`,
  )
}
