import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { startClock } from '../../src/demo/clock.js'
import { recordEventSource } from '../helpers/event-source.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let server: TestServer | undefined
const streams: Array<{ close(): void }> = []
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  await server?.close()
  server = undefined
})

async function raw(path: string, headers?: Record<string, string>): Promise<RawStream> {
  const stream = await openRawStream(`${server?.url}${path}`, headers)
  streams.push(stream)
  return stream
}

describe('GET /events', () => {
  it('answers with the event-stream headers at once, before any event', async () => {
    server = await startTestServer()
    const stream = await raw('/events?topic=quiet')
    expect(stream.response.status).toBe(200)
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(stream.response.headers.get('connection')).toBe('keep-alive')
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no')
    expect(stream.text()).toBe('')
  })

  it('streams the demo clock, "Server time is …" every tick without an id, as the default topic', async () => {
    server = await startTestServer({ defaultTopic: 'clock' })
    const stopClock = startClock(server.app.hub, 'clock', 50)
    try {
      const stream = await raw('/events')
      const text = await stream.waitFor(/(data: Server time is [^\n]+\n\n[\s\S]*){2}/)
      expect(text).toMatch(/^data: Server time is \S.*\n\n/)
      expect(text).not.toContain('id:')
    } finally {
      stopClock()
    }
  })

  it('refuses GET /events without a topic when there is no default topic, saying how', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/events`)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/give at least one topic: GET \/events\?topic=/)
  })

  it('frames a published event: event, id, one data line per line, blank line', async () => {
    server = await startTestServer()
    const stream = await raw('/events?topic=news')
    const response = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        topic: 'news',
        event: 'headline',
        id: 'n1',
        data: 'line one\r\nline two',
      }),
    })
    expect(await response.text()).toBe('n1')
    await stream.waitFor('\n\n')
    expect(stream.text()).toBe('event: headline\nid: n1\ndata: line one\ndata: line two\n\n')
  })

  it('sends the retry: hint on open when configured', async () => {
    server = await startTestServer({ retryMs: 2500, retrySpreadMs: 0 })
    const stream = await raw('/events?topic=a')
    expect(await stream.waitFor('retry: 2500\n\n')).toBe('retry: 2500\n\n')
  })

  it('gives each stream its own retry: within the spread, on open and at shutdown', async () => {
    server = await startTestServer({ retryMs: 1000, retrySpreadMs: 5000, shutdownRetryMs: 200 })
    const streams = await Promise.all(Array.from({ length: 8 }, () => raw('/events?topic=a')))
    for (const stream of streams) await stream.waitFor('\n\n')
    await server.close()
    server = undefined
    await Promise.all(streams.map((stream) => stream.ended))
    const hints = streams.map((stream) =>
      [...stream.text().matchAll(/^retry: (\d+)$/gm)].map((match) => Number(match[1])),
    )
    for (const [opening, closing] of hints) {
      expect(opening).toBeGreaterThanOrEqual(1000)
      expect(opening).toBeLessThanOrEqual(6000)
      expect(closing).toBeGreaterThanOrEqual(200)
      expect(closing).toBeLessThanOrEqual(5200)
    }
    // Eight draws from 5,001 values: all equal only if there were no jitter.
    expect(new Set(hints.map(([opening]) => opening)).size).toBeGreaterThan(1)
    expect(new Set(hints.map(([, closing]) => closing)).size).toBeGreaterThan(1)
  })

  it('subscribes one connection to several topics, and to those only', async () => {
    server = await startTestServer()
    const es = recordEventSource(`${server.url}/events?topic=a&topic=b`)
    streams.push(es)
    await es.waitForOpen()
    for (const topic of ['a', 'c', 'b'])
      await server.app.hub.publish(topic, { data: `to ${topic}` })
    await es.waitForEvents(2)
    await server.app.hub.publish('a', { data: 'last' })
    const events = await es.waitForEvents(3)
    expect(events.map((e) => e.data)).toEqual(['to a', 'to b', 'last'])
  })

  it('delivers a publish to every subscriber of the topic, with its id as lastEventId', async () => {
    server = await startTestServer()
    const subscribers = [1, 2, 3].map(() => recordEventSource(`${server?.url}/events?topic=chat`))
    streams.push(...subscribers)
    await Promise.all(subscribers.map((s) => s.waitForOpen()))
    const { id } = await server.app.hub.publish('chat', { data: 'hi all' })
    for (const s of subscribers) {
      expect(await s.waitForEvents(1)).toEqual([
        { type: 'message', data: 'hi all', lastEventId: id },
      ])
    }
  })

  it('sends heartbeat comments on an idle stream', async () => {
    server = await startTestServer({ heartbeatMs: 30 })
    const stream = await raw('/events?topic=idle')
    expect(await stream.waitFor(':\n\n:\n\n')).toBe(':\n\n:\n\n')
  })

  it('answers a bad topic with 400 and a message, before opening a stream', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/events?topic=`)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/topic/)
  })

  it('releases a subscriber when its client disconnects', async () => {
    server = await startTestServer()
    const streams = [await raw('/events?topic=a'), await raw('/events?topic=a')]
    // The streams of one topic share one hub subscriber; each counts as a subscriber.
    expect([server.app.hub.subscriberCount, server.app.stats().subscribers]).toEqual([1, 2])
    const health = await fetch(`${server.url}/healthz`)
    expect(await health.json()).toMatchObject({ streams: 2, subscribers: 2 })
    for (const stream of streams) stream.close()
    await expect.poll(() => server?.app.stats().subscribers).toBe(0)
    expect(server.app.hub.subscriberCount).toBe(0)
    expect(server.app.stats().streams).toBe(0)
  })

  it('closes and counts a client that does not read past the unsent-bytes cap', async () => {
    server = await startTestServer({ maxBufferedBytes: 64 * 1024 })
    const { connect } = await import('node:net')
    const socket = connect(server.port, '127.0.0.1')
    socket.write('GET /events?topic=flood HTTP/1.1\r\nHost: x\r\n\r\n')
    socket.pause()
    await expect.poll(() => server?.app.hub.subscriberCount).toBe(1)
    const big = 'x'.repeat(16 * 1024)
    for (let i = 0; i < 2000 && server.app.stats().overflows === 0; i++) {
      await server.app.hub.publish('flood', { data: big })
    }
    expect(server.app.stats().overflows).toBe(1)
    await expect.poll(() => server?.app.hub.subscriberCount).toBe(0)
    socket.destroy()
    const health = await (await fetch(`${server.url}/healthz`)).json()
    expect(health).toMatchObject({ status: 'ok', overflows: 1, streams: 0, store: 'reachable' })
  })

  it('answers a request target that is not a valid URL with 400, and keeps serving', async () => {
    server = await startTestServer()
    const { connect } = await import('node:net')
    const socket = connect(server.port, '127.0.0.1')
    socket.write('GET //[ HTTP/1.1\r\nHost: x\r\n\r\n')
    const [reply] = (await once(socket, 'data')) as [Buffer]
    socket.destroy()
    expect(String(reply)).toMatch(/^HTTP\/1\.1 400 /)
    expect(String(reply)).toMatch(/^content-type: application\/problem\+json$/im)
    expect(String(reply)).toContain('"code":"ERR_SSE_BAD_REQUEST"')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})
