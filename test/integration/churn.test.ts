import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCondition } from '../helpers/condition.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const CYCLES = 2000
const AT_ONCE = 50

// What a client may ask for: one topic (a topic group), one resuming, several, a Mercure template.
const REQUESTS = [
  'GET /events?topic=a HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /events?topic=a HTTP/1.1\r\nHost: x\r\nLast-Event-ID: gone\r\n\r\n',
  'GET /events?topic=a&topic=b HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /.well-known/mercure?topic=https://x.example/%7Bid%7D HTTP/1.1\r\nHost: x\r\n\r\n',
]

/** Connects, asks for a stream, waits for its head, and hangs up. */
async function connectAndAbort(port: number, request: string): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(request)
  await once(socket, 'data')
  socket.destroy()
}

const countOf = (kind: string) =>
  process.getActiveResourcesInfo().filter((resource) => resource === kind).length

describe('connection churn', () => {
  it(`leaves no stream, subscription, socket, timer or listener behind after ${CYCLES} connect/abort cycles`, async () => {
    server = await startTestServer({ heartbeatMs: 1000, writeStallMs: 1000 })
    const running = server
    const open = new Set<Socket>()
    const closed = createCondition()
    running.server.on('connection', (socket: Socket) => {
      open.add(socket)
      socket.once('close', () => {
        open.delete(socket)
        closed.changed()
      })
    })
    await running.app.hub.publish('a', { data: 'kept for replay' })
    const before = {
      sockets: countOf('TCPSocketWrap'),
      timers: countOf('Timeout'),
      listeners: running.server.listenerCount('request') + running.server.listenerCount('close'),
    }

    for (let done = 0; done < CYCLES; done += AT_ONCE) {
      await Promise.all(
        Array.from({ length: AT_ONCE }, (_, i) =>
          connectAndAbort(running.port, REQUESTS[(done + i) % REQUESTS.length] as string),
        ),
      )
      // Events flow through the churn, to the groups and subscriptions being torn down.
      await running.app.hub.publish(done % 2 ? 'a' : 'b', { data: `${done}` })
    }
    await closed.until(
      () => open.size === 0,
      () => `${open.size} sockets still open`,
      10_000,
    )

    expect(running.app.stats()).toMatchObject({ streams: 0, subscribers: 0 })
    expect(running.app.hub.subscriberCount).toBe(0)
    expect(countOf('TCPSocketWrap')).toBe(before.sockets)
    expect(countOf('Timeout')).toBeLessThanOrEqual(before.timers)
    expect(running.server.listenerCount('request') + running.server.listenerCount('close')).toBe(
      before.listeners,
    )
  }, 60_000)
})
