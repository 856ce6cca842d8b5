/**
 * Per-key conflation over a real socket: a subscriber that stops reading while keyed events
 * pour in is neither cut nor sent a backlog; once it reads again it gets the newest event of
 * each key. What it holds back counts against its cap: many distinct keys cut it.
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub } from '../../src/hub/hub.js'
import { createCondition } from '../helpers/condition.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
const clients: Socket[] = []
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy()
  await server?.close()
  server = undefined
})

const KEYS = 8
// 24 MiB in all: far more than loopback's socket buffers and the stream's 1 MiB cap.
const EVENTS = 6000
const PAD = 'x'.repeat(4096)

/** A subscriber over a raw socket: its request sent, then paused until `resume()`. */
async function pausedSubscriber(path: string) {
  const socket = connect(server?.port ?? 0, '127.0.0.1')
  clients.push(socket)
  await once(socket, 'connect')
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
  await once(socket, 'data')
  socket.pause()
  let received = ''
  let closed = false
  const changes = createCondition()
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    // Only the event lines matter; the padding would make the text 24 MiB.
    received += chunk.replaceAll(PAD, '')
    changes.changed()
  })
  socket.once('close', () => {
    closed = true
    changes.changed()
  })
  return { socket, changes, received: () => received, closed: () => closed }
}

/** Publishes EVENTS events round the keys, yielding to the event loop now and then. */
async function pour(running: TestServer, keyed: boolean): Promise<void> {
  for (let i = 0; i < EVENTS; i++) {
    const key = `k${i % KEYS}`
    await running.app.hub.publish('quotes', {
      data: `${key} ${i} ${PAD}`,
      key: keyed ? key : undefined,
    })
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('per-key conflation with a slow reader', () => {
  it('sends a reader that stopped reading the newest event of each key once it reads again, and does not cut it', async () => {
    server = await startTestServer({ writeStallMs: null, hub: createHub({ historySize: 10 }) })
    const reader = await pausedSubscriber('/events?topic=quotes')
    await pour(server, true)
    expect(server.app.stats().overflows).toBe(0)
    reader.socket.resume()
    const last = (k: number) => EVENTS - KEYS + k
    const seen = () => {
      const got = new Map<string, number>()
      for (const match of reader.received().matchAll(/data: (k\d+) (\d+) /g)) {
        got.set(match[1] as string, Number(match[2]))
      }
      return got
    }
    await reader.changes.until(
      () => [...Array(KEYS).keys()].every((k) => seen().get(`k${k}`) === last(k)),
      () => `last seen per key: ${JSON.stringify([...seen()])}`,
      20_000,
    )
    expect(reader.closed()).toBe(false)
    const count = reader.received().match(/data: k/g)?.length ?? 0
    // Behind for most of the run: far fewer events than were published reached it.
    expect(count).toBeLessThan(EVENTS / 2)
    expect(server.app.stats().streams).toBe(1)
  }, 60_000)

  it('cuts the same reader when distinct keys pile up past its cap: what is held is unsent bytes', async () => {
    server = await startTestServer({ writeStallMs: null, hub: createHub({ historySize: 10 }) })
    const reader = await pausedSubscriber('/events?topic=quotes')
    const running = server
    // Each key new, 8 KiB each: 24 MiB in all, far past what loopback's socket buffers take and
    // the 1 MiB cap, and under the most keys one stream holds.
    for (let i = 0; i < 3000; i++) {
      await running.app.hub.publish('quotes', { data: `k${i} ${i} ${PAD}${PAD}`, key: `k${i}` })
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve))
    }
    expect(running.app.stats().overflows).toBe(1)
    reader.socket.resume()
    await reader.changes.until(reader.closed, () => 'the stream still open', 20_000)
  }, 60_000)

  it('cuts the same reader when the events carry no key (the cap, as before)', async () => {
    server = await startTestServer({ writeStallMs: null, hub: createHub({ historySize: 10 }) })
    const reader = await pausedSubscriber('/events?topic=quotes')
    await pour(server, false)
    expect(server.app.stats().overflows).toBe(1)
    reader.socket.resume()
    await reader.changes.until(reader.closed, () => 'the stream still open', 20_000)
  }, 60_000)
})
