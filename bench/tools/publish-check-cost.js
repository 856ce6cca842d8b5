// What the hub's per-event bookkeeping costs on the publish path: the check every published
// event passes (`assertPublishable`) and the history's count of its memory (`storedBytes`),
// beside encoding it (`buildHubEvent`), for a typical small event with and without an id.
//   npm run build && node bench/tools/publish-check-cost.js [--build dist]
// Method: each function called in a tight loop, after a warm-up, three rounds; ns per call.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { build: { type: 'string', default: 'dist' } } })
const build = pathToFileURL(resolve(values.build)).href
const { assertPublishable } = await import(`${build}/hub/event-limits.js`)
const { storedBytes } = await import(`${build}/hub/history.js`)
const { buildHubEvent } = await import(`${build}/hub/hub-event.js`)
const { resolveHubOptions } = await import(`${build}/hub/options.js`)

const limits = resolveHubOptions().limits
const withId = {
  topics: ['prices'],
  event: 'tick',
  id: 'urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  data: 'x'.repeat(100),
}
const { id: _, ...withoutId } = withId
const stored = (input) => ({
  id: input.id ?? 'urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  topics: input.topics,
  type: input.event,
  data: input.data,
  retry: undefined,
  private: false,
})
const event = buildHubEvent(stored(withId), 1)

const time = (name, run, calls = 1_000_000) => {
  for (let i = 0; i < 100_000; i++) run()
  const start = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) run()
  return [name, Math.round(Number(process.hrtime.bigint() - start) / calls)]
}
for (let round = 1; round <= 3; round++) {
  const results = [
    time('assertPublishable, id given', () => assertPublishable(withId, limits)),
    time('assertPublishable, no id', () => assertPublishable(withoutId, limits)),
    time('storedBytes', () => storedBytes(event)),
    time('buildHubEvent', () => buildHubEvent(stored(withId), 1), 300_000),
  ]
  console.log(JSON.stringify({ round, nsPerCall: Object.fromEntries(results) }))
}
