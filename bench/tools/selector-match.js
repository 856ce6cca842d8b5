// What matching a topic against a Mercure URI template costs, in-process: compiling 5,000
// templates, matching topics against them (what the publish path asks of each rule it looks
// at), the memory a template keeps, and selectors built to be slow against the longest topics.
// For a change to the matcher:
//   npm run build && node --expose-gc bench/tools/selector-match.js
//   node --expose-gc bench/tools/selector-match.js --dist dist-before --no-adversarial   # a build
//     before (a backtracking matcher never finishes the adversarial cases)
//   npm install --no-save re2js && node bench/tools/selector-match.js --dist dist-before \
//     --engine re2js   # that build's RegExp source (`.source`) run by RE2JS instead
// Method: CPU time (process.cpuUsage), the best of --rounds rounds, each a loop long enough to
// read (the VM's noise only ever adds time); every template is compiled and matched before the
// rounds, as in a hub that has run a while (V8 compiles a RegExp on its first uses). Memory:
// heap and array buffers after a full GC, per template, only with --expose-gc.
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    engine: { type: 'string', default: 'build' },
    templates: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '7' },
    'no-adversarial': { type: 'boolean', default: false },
  },
})
const count = Number(values.templates)
const rounds = Number(values.rounds)
const { compileUriTemplate } = await import(`../../${values.dist}/mercure/uri-template.js`)

let compile = compileUriTemplate
if (values.engine === 're2js') {
  const { RE2JS } = await import('re2js')
  compile = (template) => {
    const compiled = RE2JS.compile(compileUriTemplate(template).source)
    return { test: (text) => compiled.test(text) }
  }
}

const BASE = 'https://example.com'
// Shapes met in practice, each with a topic that matches and one that fails late.
const SHAPES = [
  (i) => [`${BASE}/users/${i}/{+path}`, `${BASE}/users/${i}/inbox`, `${BASE}/users/${i}x/inbox`],
  (i) => [`${BASE}/books/${i}/{id}`, `${BASE}/books/${i}/42`, `${BASE}/books/${i}/42/reviews`],
  (i) => [`${BASE}/t/${i}/{a}/{b}.json`, `${BASE}/t/${i}/x/y.json`, `${BASE}/t/${i}/x/y.xml`],
  (i) => [
    `${BASE}/s/${i}{?topic,sort}`,
    `${BASE}/s/${i}?topic=a%2Fb&sort=asc`,
    `${BASE}/s/${i}?q=1`,
  ],
]
const cases = Array.from({ length: count }, (_, i) => SHAPES[i % SHAPES.length](i))

/** CPU µs per call of `run`, the best of the rounds of `calls` calls. */
function cpu(run, calls) {
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < rounds; round++) {
    const started = process.cpuUsage()
    for (let i = 0; i < calls; i++) run()
    const used = process.cpuUsage(started)
    best = Math.min(best, (used.user + used.system) / calls)
  }
  return best
}

function heap() {
  globalThis.gc()
  globalThis.gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

const memoryBefore = globalThis.gc ? heap() : 0
let compiled = cases.map(([template]) => compile(template))
const memoryCompiled = globalThis.gc ? heap() : 0
for (const [i, [, yes, no]] of cases.entries()) {
  if (compiled[i].test(yes) !== true || compiled[i].test(no) !== false) {
    throw new Error(`wrong answer for ${cases[i][0]}`)
  }
}
const compileUs = cpu(() => {
  compiled = cases.map(([template]) => compile(template))
}, 1)
for (const [i, [, yes, no]] of cases.entries()) compiled[i].test(yes) && compiled[i].test(no)
const matchUs = cpu(() => {
  for (let i = 0; i < cases.length; i++) {
    compiled[i].test(cases[i][1])
    compiled[i].test(cases[i][2])
  }
}, 1)
const memoryUsed = globalThis.gc ? heap() : 0
const one = compile(cases[0][0])
const oneUs = cpu(() => one.test(cases[0][1]), 100_000)
console.log(`${values.dist} ${values.engine}: ${count} templates`)
console.log(`  compile: ${(compileUs / count).toFixed(2)} µs per template`)
console.log(
  `  match, cycling through them: ${((matchUs * 1000) / (2 * count)).toFixed(0)} ns per topic`,
)
console.log(`  match, one template again and again: ${(oneUs * 1000).toFixed(0)} ns per topic`)
if (globalThis.gc) {
  const kb = (bytes) => (bytes / count / 1024).toFixed(2)
  console.log(
    `  memory: ${kb(memoryCompiled - memoryBefore)} KB per template compiled, ${kb(memoryUsed - memoryBefore)} after matching twice`,
  )
}

if (!values['no-adversarial']) {
  // The longest topic a publisher may send is 2,048 characters (MAX_TOPIC_LENGTH); templates
  // within the default limits (1,024 characters, 16 expressions).
  const attacks = [
    ['{a,b,c,d,e,f,g,h}', `${'a,'.repeat(1023)}!`],
    ['{x}'.repeat(16), 'orders-eu-west-1:created'],
    ['{x}'.repeat(16), `${'orders-eu-west-1-created'.repeat(85)}:`],
    // Every `a` may stay in {x} or start the literal run: a new set of states at each step.
    [`{x}${'a'.repeat(1000)}{y}`, `${'a'.repeat(2047)}:`],
  ]
  for (const [template, topic] of attacks) {
    const matcher = compile(template)
    const warm = cpu(() => matcher.test(topic), 20)
    const cold = cpu(() => compile(template).test(topic), 5)
    const name = template.length > 40 ? `${template.slice(0, 37)}...` : template
    console.log(
      `  ${name} against ${topic.length} characters: ${warm.toFixed(1)} µs; compiled anew each time ${cold.toFixed(1)} µs`,
    )
  }
}
