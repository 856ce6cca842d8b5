import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recordEventSource } from '../helpers/event-source.js'
import { mercureUrl, mintToken, SECRET } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let server: TestServer
const closers: Array<{ close(): void }> = []
beforeEach(async () => {
  server = await startTestServer({ retryMs: 50, mercure: { jwtKey: SECRET, anonymous: true } })
})
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server.close()
})

async function publishAll(...items: Array<[topic: string, data: string, isPrivate?: boolean]>) {
  const ids: string[] = []
  for (const [topic, data, isPrivate] of items) {
    ids.push((await server.app.hub.publish(topic, { data, private: isPrivate === true })).id)
  }
  return ids
}

async function open(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const stream = await openRawStream(url, headers)
  closers.push(stream)
  return stream
}

const dataLines = (text: string) => [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1])

describe('Mercure replay', () => {
  it('replays every kept matching event after Last-Event-ID, in order, then live ones, and says where it resumed', async () => {
    const [first] = await publishAll(['t', '1'], ['other', 'x'], ['t', '2'], ['t', '3'])
    const stream = await open(mercureUrl(server.url, ['t']), { 'last-event-id': first as string })
    expect(stream.response.headers.get('last-event-id')).toBe(first)
    await publishAll(['t', '4'])
    await stream.waitFor('data: 4\n')
    expect(dataLines(stream.text())).toEqual(['2', '3', '4'])
  })

  it('takes ?lastEventID= on a first connection, and the header over it', async () => {
    const [first, second] = await publishAll(['t', '1'], ['t', '2'], ['t', '3'])
    const fromQuery = await open(mercureUrl(server.url, ['t'], { lastEventID: second as string }))
    const both = await open(mercureUrl(server.url, ['t'], { lastEventID: second as string }), {
      'last-event-id': first as string,
    })
    await publishAll(['t', 'live'])
    await fromQuery.waitFor('data: live\n')
    await both.waitFor('data: live\n')
    expect(dataLines(fromQuery.text())).toEqual(['3', 'live'])
    expect(dataLines(both.text())).toEqual(['2', '3', 'live'])
    expect(both.response.headers.get('last-event-id')).toBe(first)
  })

  it('sends everything kept for `earliest`, and for an unknown id, answering `earliest`', async () => {
    await publishAll(['t', '1'], ['t', '2'])
    for (const lastEventID of ['earliest', 'urn:uuid:never-published']) {
      const stream = await open(mercureUrl(server.url, ['t'], { lastEventID }))
      expect(stream.response.headers.get('last-event-id')).toBe('earliest')
      await stream.waitFor('data: 2\n')
      expect(dataLines(stream.text())).toEqual(['1', '2'])
    }
  })

  it('sets no Last-Event-ID response header when none was asked', async () => {
    const stream = await open(mercureUrl(server.url, ['t']))
    expect(stream.response.headers.has('last-event-id')).toBe(false)
  })

  it('replays private updates only to subscribers allowed to receive them', async () => {
    await publishAll(['t', 'public 1'], ['t', 'private', true], ['t', 'public 2'])
    const allowedToken = await mintToken({ subscribe: ['t'] })
    const allowed = await open(mercureUrl(server.url, ['t'], { lastEventID: 'earliest' }), {
      authorization: `Bearer ${allowedToken}`,
    })
    const anonymous = await open(mercureUrl(server.url, ['t'], { lastEventID: 'earliest' }))
    await allowed.waitFor('data: public 2\n')
    await anonymous.waitFor('data: public 2\n')
    expect(dataLines(allowed.text())).toEqual(['public 1', 'private', 'public 2'])
    expect(dataLines(anonymous.text())).toEqual(['public 1', 'public 2'])
  })

  it('gives an EventSource dropped by the server what it missed, none twice', async () => {
    const es = recordEventSource(mercureUrl(server.url, ['https://example.com/{id}']))
    closers.push(es)
    await es.waitForOpen()
    await publishAll(['https://example.com/1', '1'], ['https://example.com/2', '2'])
    await es.waitForEvents(2)
    server.server.closeAllConnections()
    await publishAll(['https://example.com/3', '3'], ['https://example.com/4', '4'])
    await es.waitForOpen(2)
    await publishAll(['https://example.com/5', '5'])
    const events = await es.waitForEvents(5)
    expect(events.map((e) => e.data)).toEqual(['1', '2', '3', '4', '5'])
    expect(new Set(events.map((e) => e.lastEventId)).size).toBe(5)
  })
})
