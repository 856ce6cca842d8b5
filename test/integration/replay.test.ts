import { afterEach, describe, expect, it } from 'vitest'
import { HISTORY_GAP_EVENT } from '../../src/http/events-route.js'
import { recordEventSource } from '../helpers/event-source.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

let server: TestServer | undefined
const closers: Array<{ close(): void }> = []
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server?.close()
  server = undefined
})

describe('replay with Last-Event-ID', () => {
  it('gives a client dropped by the server every event it missed, in order, none twice', async () => {
    server = await startTestServer({ retryMs: 50 })
    const es = recordEventSource(`${server.url}/events?topic=feed`)
    closers.push(es)
    await es.waitForOpen()
    const hub = server.app.hub
    for (let i = 1; i <= 3; i++) await hub.publish('feed', { data: String(i) })
    await es.waitForEvents(3)
    // The server drops the connection; the client reconnects by itself with Last-Event-ID.
    server.server.closeAllConnections()
    for (let i = 4; i <= 6; i++) await hub.publish('feed', { data: String(i) })
    await es.waitForOpen(2)
    await hub.publish('feed', { data: '7' })
    const events = await es.waitForEvents(7)
    expect(events.map((e) => e.data)).toEqual(['1', '2', '3', '4', '5', '6', '7'])
    expect(new Set(events.map((e) => e.lastEventId)).size).toBe(7)
  })

  it('resumes a first connection from ?lastEventID=', async () => {
    server = await startTestServer()
    const first = await server.app.hub.publish('a', { data: 'old' })
    await server.app.hub.publish('a', { data: 'missed' })
    const stream = await openRawStream(
      `${server.url}/events?topic=a&lastEventID=${encodeURIComponent(first.id)}`,
    )
    closers.push(stream)
    await stream.waitFor('\n\n')
    expect(stream.text()).toMatch(/^id: \S+\ndata: missed\n\n$/)
  })

  it('prefers the Last-Event-ID header over the query parameter', async () => {
    server = await startTestServer()
    const a = await server.app.hub.publish('a', { data: '1' })
    const b = await server.app.hub.publish('a', { data: '2' })
    await server.app.hub.publish('a', { data: '3' })
    const stream = await openRawStream(
      `${server.url}/events?topic=a&lastEventID=${encodeURIComponent(a.id)}`,
      {
        'last-event-id': b.id,
      },
    )
    closers.push(stream)
    await stream.waitFor('data: 3\n\n')
    expect(stream.text()).not.toContain('data: 2')
  })

  it('signals with a distinct event when the id is older than the history, then sends what is kept', async () => {
    server = await startTestServer({
      hub: (await import('../../src/hub/hub.js')).createHub({ historySize: 2 }),
    })
    const expired = await server.app.hub.publish('a', { data: '1' })
    for (const data of ['2', '3']) await server.app.hub.publish('a', { data })
    const es = recordEventSource(`${server.url}/events?topic=a`, {
      types: [HISTORY_GAP_EVENT],
      headers: { 'last-event-id': expired.id },
    })
    closers.push(es)
    const events = await es.waitForEvents(3)
    expect(events.map((e) => e.type)).toEqual([HISTORY_GAP_EVENT, 'message', 'message'])
    expect(JSON.parse(events[0]?.data ?? '')).toEqual({ lastEventId: expired.id })
    expect(events.slice(1).map((e) => e.data)).toEqual(['2', '3'])
  })
})
