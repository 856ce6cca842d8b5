import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recordEventSource } from '../helpers/event-source.js'
import { keptBy } from '../helpers/kept.js'
import { mercurePublish, mercureUrl, mintToken, SECRET } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer
let token: string
const closers: Array<{ close(): void }> = []

beforeEach(async () => {
  server = await startTestServer({ mercure: { jwtKey: SECRET, anonymous: true } })
  token = await mintToken({ publish: ['*'] })
})
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server.close()
})

async function subscribe(selectors: string[], types: string[] = []) {
  const es = recordEventSource(mercureUrl(server.url, selectors), { types })
  closers.push(es)
  await es.waitForOpen()
  return es
}

describe('Mercure publish', () => {
  it('answers 200 text/plain with the hub-generated urn:uuid id', async () => {
    const response = await mercurePublish(server.url, { topic: 't', data: 'x' }, { token })
    expect(response.status).toBe(200)
    expect(response.contentType).toMatch(/^text\/plain/)
    expect(response.body).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })

  it('keeps the id the publisher gives, and maps type to event: and retry to retry:', async () => {
    const es = await subscribe(['t'], ['book-updated'])
    const response = await mercurePublish(
      server.url,
      {
        topic: 't',
        data: '{"title":"x"}',
        id: 'https://example.com/revisions/7',
        type: 'book-updated',
        retry: '3000',
      },
      { token },
    )
    expect(response.body).toBe('https://example.com/revisions/7')
    const [event] = await es.waitForEvents(1)
    expect(event).toEqual({
      type: 'book-updated',
      data: '{"title":"x"}',
      lastEventId: 'https://example.com/revisions/7',
    })
  })

  it('publishes an update without data as an empty message', async () => {
    const es = await subscribe(['t'])
    await mercurePublish(server.url, { topic: 't' }, { token })
    expect((await es.waitForEvents(1))[0]?.data).toBe('')
  })

  it.each([
    [{ data: 'no topic' }, /missing `topic`/],
    [{ topic: 't', retry: '1.5' }, /`retry` field must be a non-negative integer/],
    [{ topic: 't', retry: 'soon' }, /`retry` field must be a non-negative integer/],
    [{ topic: 't', retry: '-1' }, /`retry` field must be a non-negative integer/],
    [{ topic: 't', id: 'a\nb' }, /`id` field must not contain control characters/],
    [{ topic: 't', id: 'a\rb' }, /`id` field must not contain control characters/],
    [{ topic: 't', id: 'a\u0000b' }, /`id` field must not contain control characters/],
    [{ topic: 't', id: '#fragment' }, /`id` field must not start with `#`/],
    [{ topic: 't', type: 'a\nb' }, /`type` field must not contain control characters/],
    [{ topic: 't', type: 'tab\there' }, /`type` field must not contain control characters/],
    [{ topic: ['t', 'bad\u0001topic'] }, /control characters/],
  ] as const)('answers 400 and dispatches nothing for %j', async (fields, message) => {
    const es = await subscribe(['t'])
    const bad = await mercurePublish(server.url, fields as Record<string, string>, { token })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatch(message)
    // The bad update did not arrive: the next good one is the first event received.
    await mercurePublish(server.url, { topic: 't', data: 'good' }, { token })
    const events = await es.waitForEvents(1)
    expect(events.map((e) => e.data)).toEqual(['good'])
    expect((await keptBy(server.app.hub)).map((e) => e.data)).toEqual(['good'])
  })

  it('answers 415 for a body that is not a form', async () => {
    const response = await mercurePublish(
      server.url,
      { topic: 't' },
      { token, contentType: 'application/json' },
    )
    expect(response.status).toBe(415)
    expect(response.body).toMatch(/application\/x-www-form-urlencoded/)
  })

  it('answers 413 for a body over the limit', async () => {
    await server.close()
    server = await startTestServer({ maxPublishBytes: 100, mercure: { jwtKey: SECRET } })
    const response = await mercurePublish(
      server.url,
      { topic: 't', data: 'x'.repeat(200) },
      { token },
    )
    expect(response.status).toBe(413)
  })
})
