import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recordEventSource } from '../helpers/event-source.js'
import { mercurePublish, mercureUrl, mintToken, SECRET } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

let server: TestServer
let publisher: string
const closers: Array<{ close(): void }> = []

beforeEach(async () => {
  server = await startTestServer({ mercure: { jwtKey: SECRET, anonymous: true } })
  publisher = await mintToken({ publish: ['*'] })
})
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server.close()
})

/** Subscribes with `EventSource` to Mercure `selectors` and waits until it is open. */
async function subscribe(selectors: string[], extra: Record<string, string> = {}) {
  const es = recordEventSource(mercureUrl(server.url, selectors, extra))
  closers.push(es)
  await es.waitForOpen()
  return es
}

const publish = (topic: string | string[], data: string, fields: Record<string, string> = {}) =>
  mercurePublish(server.url, { topic, data, ...fields }, { token: publisher })

describe('Mercure subscribe: topic selectors', () => {
  it('answers 400 with a message when no topic selector is given', async () => {
    const response = await fetch(`${server.url}/.well-known/mercure`)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/`topic` query parameter is required/)
  })

  it('answers 400 for a selector with control characters', async () => {
    const response = await fetch(mercureUrl(server.url, ['a\u0007b']))
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/control characters/)
  })

  it('delivers an exact topic, not another one, each event with an id', async () => {
    const es = await subscribe(['https://example.com/books/1'])
    await publish('https://example.com/books/2', 'other')
    const { body: id } = await publish('https://example.com/books/1', 'mine')
    const [event] = await es.waitForEvents(1)
    expect(event).toEqual({ type: 'message', data: 'mine', lastEventId: id })
    expect(id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
  })

  it('delivers everything to `*`', async () => {
    const es = await subscribe(['*'])
    await publish('a', '1')
    await publish('https://example.com/b', '2')
    expect((await es.waitForEvents(2)).map((e) => e.data)).toEqual(['1', '2'])
  })

  it('matches a URI template: {id} within one segment, no prefix match', async () => {
    const es = await subscribe(['https://example.com/books/{id}'])
    await publish('https://example.com/books/1/reviews', 'crosses a slash')
    await publish('https://example.com/books', 'prefix')
    await publish('https://example.com/booksX/1', 'other path')
    await publish('https://example.com/books/42', 'matches')
    const events = await es.waitForEvents(1)
    await publish('https://example.com/books/43', 'matches too')
    await es.waitForEvents(2)
    expect(events.map((e) => e.data)).toEqual(['matches', 'matches too'])
  })

  it('matches a template with a query expansion, {?q}', async () => {
    const es = await subscribe(['https://example.com/search{?q}'])
    await publish('https://example.com/search?other=1', 'wrong parameter')
    await publish('https://example.com/search?q=ssehub', 'with query')
    await publish('https://example.com/search', 'without query')
    expect((await es.waitForEvents(2)).map((e) => e.data)).toEqual(['with query', 'without query'])
  })

  it('delivers an update to subscribers of an alternate topic, and once to one matching both', async () => {
    const alternate = await subscribe(['https://example.com/alt'])
    const both = await subscribe(['https://example.com/canonical', 'https://example.com/{x}'])
    await publish(['https://example.com/canonical', 'https://example.com/alt'], 'update')
    await publish('https://example.com/alt', 'second')
    expect((await alternate.waitForEvents(2)).map((e) => e.data)).toEqual(['update', 'second'])
    expect((await both.waitForEvents(2)).map((e) => e.data)).toEqual(['update', 'second'])
  })

  it('streams text/event-stream with the update type, id, retry and data on the wire', async () => {
    const stream = await openRawStream(mercureUrl(server.url, ['t']))
    closers.push(stream)
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const { body: id } = await publish('t', 'x', { type: 'note', retry: '2500' })
    await stream.waitFor('data: x\n\n')
    expect(stream.text()).toBe(`event: note\nid: ${id}\nretry: 2500\ndata: x\n\n`)
  })
})

describe('one hub for /events, /publish and Mercure', () => {
  it('delivers a native publish to Mercure subscribers and a Mercure publish to /events, one id scheme', async () => {
    const mercure = await subscribe(['news'])
    const native = recordEventSource(`${server.url}/events?topic=news`)
    closers.push(native)
    await native.waitForOpen()
    const viaNative = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'news', data: 'native' }),
    }).then((r) => r.text())
    const { body: viaMercure } = await publish('news', 'mercure')
    for (const es of [mercure, native]) {
      const events = await es.waitForEvents(2)
      expect(events.map((e) => [e.data, e.lastEventId])).toEqual([
        ['native', viaNative],
        ['mercure', viaMercure],
      ])
    }
    expect(viaNative < viaMercure).toBe(true)
  })
})
