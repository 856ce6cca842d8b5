import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { REPLAY_PAGE_BYTES } from '../../src/stream/sse-stream.js'
import { type Condition, createCondition } from '../helpers/condition.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
const clients: Socket[] = []
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy()
  await server?.close()
  server = undefined
})

/**
 * The server side of every connection: what each has held unsent at most, and whether it is
 * waiting for the client to read (its last write filled it). `changed` fires on every write
 * and close.
 */
function watchServerSockets(running: TestServer): {
  sockets: Set<Socket>
  peak: Map<Socket, number>
  changes: Condition
} {
  const sockets = new Set<Socket>()
  const peak = new Map<Socket, number>()
  const changes = createCondition()
  running.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    peak.set(socket, 0)
    const write = socket.write.bind(socket) as (chunk: Uint8Array) => boolean
    socket.write = ((chunk: Uint8Array) => {
      const result = write(chunk)
      peak.set(socket, Math.max(peak.get(socket) ?? 0, socket.writableLength))
      changes.changed()
      return result
    }) as Socket['write']
    socket.once('close', () => {
      sockets.delete(socket)
      changes.changed()
    })
  })
  return { sockets, peak, changes }
}

/** A subscriber over a raw socket that sends its request and then never reads. */
async function stuckSubscriber(path: string, headers: Record<string, string> = {}) {
  const socket = connect(server?.port ?? 0, '127.0.0.1')
  clients.push(socket)
  await once(socket, 'connect')
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${lines.join('')}\r\n`)
  // The response head comes when the stream starts; from then on, nothing is read.
  await once(socket, 'data')
  socket.pause()
  return socket
}

// 24 MiB of history: more than loopback's socket buffers on both sides can absorb.
const EVENT = 'x'.repeat(64 * 1024)
async function fillHistory(running: TestServer, count = 384): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    ids.push((await running.app.hub.publish('t', { data: `${i} ${EVENT}` })).id)
  }
  return ids
}

describe('slow and stuck readers', () => {
  it('replays a long history a page at a time: a client that never reads holds one page, not the history', async () => {
    server = await startTestServer({ writeStallMs: null })
    const { sockets, peak, changes } = watchServerSockets(server)
    await fillHistory(server)
    for (let i = 0; i < 20; i++) {
      await stuckSubscriber('/events?topic=t', { 'Last-Event-ID': 'unknown' })
    }
    // Every stream waits for its client to read: its socket's buffer is full.
    await changes.until(
      () => sockets.size === 20 && [...sockets].every((socket) => socket.writableNeedDrain),
      () => `20 sockets waiting to drain (${sockets.size} open)`,
      10_000,
    )
    for (const bytes of peak.values()) expect(bytes).toBeLessThanOrEqual(2 * REPLAY_PAGE_BYTES)
    expect(server.app.stats()).toMatchObject({ streams: 20, overflows: 0 })
  })

  it('gives a client that reads the whole replay, in order, then live events', async () => {
    server = await startTestServer({ writeStallMs: null })
    const ids = await fillHistory(server, 100)
    const response = await fetch(`${server.url}/events?topic=t`, {
      headers: { 'Last-Event-ID': ids[9] as string },
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    const seen: string[] = []
    let partial = ''
    while (seen.at(-1) !== 'live') {
      const { value } = await reader.read()
      const lines = (partial + decoder.decode(value, { stream: true })).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('id: ')) seen.push(line.slice(4))
      if (seen.length === 90 && seen.at(-1) !== 'live') {
        await server.app.hub.publish('t', { id: 'live', data: 'now' })
      }
    }
    await reader.cancel()
    expect(seen).toEqual([...ids.slice(10), 'live'])
  })

  it('destroys the connection of a stream over its cap, releasing its socket', async () => {
    server = await startTestServer({ writeStallMs: null, maxBufferedBytes: 256 * 1024 })
    const { sockets, changes } = watchServerSockets(server)
    await stuckSubscriber('/events?topic=t')
    for (let i = 0; i < 400 && server.app.stats().overflows === 0; i++) {
      await server.app.hub.publish('t', { data: EVENT })
    }
    expect(server.app.stats().overflows).toBe(1)
    await changes.until(
      () => sockets.size === 0,
      () => 'the server to release the socket',
      5000,
    )
  })

  it('cuts a stream whose client stopped reading, after the write-stall limit', async () => {
    server = await startTestServer({ writeStallMs: 200, maxBufferedBytes: null })
    const { sockets, changes } = watchServerSockets(server)
    await stuckSubscriber('/events?topic=t')
    // Past what the socket buffers take, so that the server holds bytes it cannot send.
    for (let i = 0; i < 256; i++) await server.app.hub.publish('t', { data: EVENT })
    await changes.until(
      () => sockets.size === 0,
      () => 'the server to cut the stream',
      5000,
    )
    expect(server.app.stats()).toMatchObject({ streams: 0, stalls: 1, overflows: 0 })
  })
})
