// How long GET /metrics takes and how big it is: 50 scrapes in a row, each on a fresh connection
// (with --workers, any worker answers, through the primary), after 5 to warm up.
//   node dist/cli/main.js serve --port 3000 --workers 2 --no-clock &
//   node bench/tools/scrape-time.js http://127.0.0.1:3000
const url = process.argv[2]
const times = []
for (let i = 0; i < 55; i++) {
  const t = performance.now()
  const r = await fetch(`${url}/metrics`, { headers: { connection: 'close' } })
  const text = await r.text()
  if (i >= 5) times.push(performance.now() - t)
  if (i === 0) console.log('bytes', text.length, 'lines', text.split('\n').length)
}
times.sort((a, b) => a - b)
console.log('median ms', times[25].toFixed(2), 'p90 ms', times[45].toFixed(2))
