// A peer for the benchmark: the floor for a Node server. Each event is encoded once into one
// Buffer and that Buffer is written to every subscriber's socket, no HTTP framing (the body
// ends with the connection), no coalescing. POST /publish?topic=T as the load driver needs;
// repeated `topic` parameters subscribe one stream to several topics.
// Run: node bench/peers/raw-node.js PORT
import { createServer } from 'node:http'

const topics = new Map()
const HEAD = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'close',
}
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  if (req.method === 'GET' && url.pathname === '/events') {
    // Close-delimited body: the socket carries the event bytes as they are.
    res.useChunkedEncodingByDefault = false
    res.writeHead(200, HEAD)
    res.flushHeaders()
    const socket = res.socket
    socket.setNoDelay(true)
    const names = url.searchParams.getAll('topic')
    for (const name of names) {
      if (!topics.has(name)) topics.set(name, new Set())
      topics.get(name).add(socket)
    }
    socket.on('close', () => {
      for (const name of names) topics.get(name)?.delete(socket)
    })
    return
  }
  if (req.method === 'POST' && url.pathname === '/publish') {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      const bytes = Buffer.from(`data: ${body}\n\n`)
      for (const socket of topics.get(url.searchParams.get('topic')) ?? []) socket.write(bytes)
      res.end('ok')
    })
    return
  }
  res.writeHead(404).end()
})
server.requestTimeout = 0
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.error('listening'))
