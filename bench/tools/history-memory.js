// What the in-memory history really holds on the heap, against what it counts toward
// `historyBytes`. Publishes events with many topics each (the shape that once escaped the bound)
// straight into a hub of the build given, then reads the heap after a full collection.
//   node --expose-gc bench/tools/history-memory.js
//   node --expose-gc bench/tools/history-memory.js --build dist-before --topics 80000
//   node --expose-gc bench/tools/history-memory.js --topics 1 --data 100 --events 20000
// Method: heapUsed + external after two `gc()` calls before and after the publishes, with the hub still
// referenced; each event's topics and data parsed from JSON, as a request body is. Prints
// the growth, the events kept and (where the build counts them) the bytes the history counted.

import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    build: { type: 'string', default: 'dist' },
    events: { type: 'string', default: '150' },
    topics: { type: 'string', default: '80000' },
    // Characters of each topic (before its number).
    'topic-length': { type: 'string', default: '8' },
    // Characters of each event's data.
    data: { type: 'string', default: '16' },
    'history-bytes': { type: 'string', default: String(32 * 1024 * 1024) },
    'history-size': { type: 'string', default: '10000' },
  },
})
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc')
  process.exit(2)
}
const events = Number(values.events)
const topics = Number(values.topics)
const prefix = 'x'.repeat(Number(values['topic-length']))
const build = pathToFileURL(resolve(values.build)).href
const { createHub } = await import(`${build}/hub/hub.js`)
const history = await import(`${build}/hub/history.js`)

// Backing stores of collected buffers are freed after the collection, off the main thread: a
// second collection a moment later sees them gone.
const heap = async () => {
  globalThis.gc()
  await new Promise((resolve) => setTimeout(resolve, 100))
  globalThis.gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}
const options = {
  historyBytes: Number(values['history-bytes']),
  historySize: Number(values['history-size']),
  maxEventTopics: topics,
}
let hub
try {
  hub = createHub(options)
} catch {
  // A build without the topic cap option.
  const { maxEventTopics: _, ...older } = options
  hub = createHub(older)
}
const before = await heap()
for (let i = 0; i < events; i++) {
  const list = []
  for (let t = 0; t < topics; t++) list.push(`${prefix}${t}-${i}`)
  // Parsed from JSON, as `POST /publish` reads them: flat strings of their own, none shared.
  const body = JSON.parse(JSON.stringify({ topics: list, data: 'd'.repeat(Number(values.data)) }))
  await hub.publish(body.topics, { data: body.data })
}
const after = await heap()
// What the history keeps, read as a resuming client reads it: a replay after an id never
// published gives every kept event (older builds listed them with `hub.history()`).
const kept = []
if (typeof hub.history === 'function') kept.push(...hub.history())
else {
  const replay = await hub.subscribe(
    { topics: [], matchesTopic: () => true, deliver: (event) => kept.push(event) },
    { lastEventId: 'never-published' },
  )
  replay.unsubscribe()
}
const counted =
  typeof history.storedBytes === 'function'
    ? kept.reduce((sum, event) => sum + history.storedBytes(event), 0)
    : undefined
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`
console.log(
  JSON.stringify({
    build: values.build,
    events,
    topicsPerEvent: topics,
    historyBytes: options.historyBytes,
    heapGrowth: mb(after - before),
    kept: kept.length,
    counted: counted === undefined ? 'not counted' : mb(counted),
    heapPerKeptEvent: kept.length === 0 ? 0 : Math.round((after - before) / kept.length),
    countedPerKeptEvent: counted === undefined ? 0 : Math.round(counted / kept.length),
  }),
)
hub.close()
