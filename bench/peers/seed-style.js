// A peer for the benchmark: a plain Node server written the way the seed document does it,
// res.write(`data: …\n\n`) to each client, plus the POST /publish?topic=T the load driver needs.
// Run: node bench/peers/seed-style.js PORT
import { createServer } from 'node:http'

const topics = new Map()
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  const topic = url.searchParams.get('topic') ?? 'clock'
  if (req.method === 'GET' && url.pathname === '/events') {
    res.setHeader('Content-Type', 'text/event-stream')
    res.setHeader('Cache-Control', 'no-cache')
    res.setHeader('Connection', 'keep-alive')
    res.flushHeaders()
    // Repeated `topic` parameters: one stream on several topics (the many-topics scenario).
    const names = url.searchParams.getAll('topic')
    for (const name of names) {
      if (!topics.has(name)) topics.set(name, new Set())
      topics.get(name).add(res)
    }
    req.on('close', () => {
      for (const name of names) topics.get(name).delete(res)
    })
    return
  }
  if (req.method === 'POST' && url.pathname === '/publish') {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      for (const client of topics.get(topic) ?? []) client.write(`data: ${body}\n\n`)
      res.end('ok')
    })
    return
  }
  res.writeHead(404).end()
})
server.requestTimeout = 0
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.error('listening'))
