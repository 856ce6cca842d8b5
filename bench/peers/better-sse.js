// A peer for the benchmark: better-sse with one channel per topic, plus the
// POST /publish?topic=T the load driver needs. Run: node bench/peers/better-sse.js PORT
import { createServer } from 'node:http'
import { createChannel, createSession } from 'better-sse'

const channels = new Map()
const channel = (topic) => {
  if (!channels.has(topic)) channels.set(topic, createChannel())
  return channels.get(topic)
}
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  const topic = url.searchParams.get('topic') ?? 'clock'
  if (req.method === 'GET' && url.pathname === '/events') {
    const session = await createSession(req, res, { keepAlive: 15_000 })
    // Repeated `topic` parameters: one session on several channels (the many-topics scenario).
    for (const name of url.searchParams.getAll('topic')) channel(name).register(session)
    return
  }
  if (req.method === 'POST' && url.pathname === '/publish') {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      channel(topic).broadcast(body)
      res.end('ok')
    })
    return
  }
  res.writeHead(404).end()
})
server.requestTimeout = 0
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.error('listening'))
