// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self and inclusive time per
// function, optionally only the samples of the busiest stretch (skipping connection set-up).
// Run: node bench/tools/profile-top.js FILE [--top 30] [--busiest SECONDS]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string' }, busiest: { type: 'string' } },
})
const top = Number(values.top ?? 30)
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const label = (n) => {
  const f = n.callFrame
  const file = f.url ? f.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^node:/, '') : ''
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`
}

// Sample times, to pick the window with the most non-idle samples.
let t = profile.startTime
const times = profile.timeDeltas.map((d) => (t += d))
let from = 0
let to = profile.samples.length
if (values.busiest) {
  const span = Number(values.busiest) * 1e6
  const idle = (i) => nodes.get(profile.samples[i]).callFrame.functionName === '(idle)'
  let best = 0
  let busy = 0
  let lo = 0
  for (let hi = 0; hi < times.length; hi++) {
    if (!idle(hi)) busy++
    while (times[hi] - times[lo] > span) if (!idle(lo++)) busy--
    if (busy > best) {
      best = busy
      from = lo
      to = hi + 1
    }
  }
}

const self = new Map()
const inclusive = new Map()
let total = 0
for (let i = from; i < to; i++) {
  const weight = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]) / 1000
  total += weight
  let id = profile.samples[i]
  const first = label(nodes.get(id))
  self.set(first, (self.get(first) ?? 0) + weight)
  const seen = new Set()
  while (id !== undefined) {
    const name = label(nodes.get(id))
    if (!seen.has(name)) {
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + weight)
    }
    id = parent.get(id)
  }
}
const print = (title, map) => {
  console.log(`\n${title} (of ${total.toFixed(0)} ms)`)
  for (const [name, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * ms) / total).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${name}`,
    )
  }
}
print('self', self)
print('inclusive', inclusive)
