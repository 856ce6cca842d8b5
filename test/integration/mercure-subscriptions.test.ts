import { afterEach, describe, expect, it } from 'vitest'
import { recordEventSource } from '../helpers/event-source.js'
import { keptBy } from '../helpers/kept.js'
import { mercureUrl, mintToken, SECRET, SUBSCRIPTIONS } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

let server: TestServer | undefined
const closers: Array<{ close(): void }> = []
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server?.close()
  server = undefined
})

const enc = (s: string) => encodeURIComponent(s)

async function getJson(url: string, token?: string) {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  const text = await response.text()
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: response.status === 200 ? (JSON.parse(text) as Record<string, unknown>) : text,
  }
}

describe('Mercure active subscriptions', () => {
  it('publishes a private Subscription event when a subscription starts and when it ends', async () => {
    server = await startTestServer({ mercure: { jwtKey: SECRET, subscriptions: true } })
    const watcher = recordEventSource(
      mercureUrl(server.url, [`${SUBSCRIPTIONS}{/topic}{/subscriber}`]),
      {
        headers: {
          authorization: `Bearer ${await mintToken({ subscribe: [`${SUBSCRIPTIONS}{/topic}{/subscriber}`] })}`,
        },
      },
    )
    closers.push(watcher)
    await watcher.waitForOpen()
    const token = await mintToken({
      subscribe: ['https://example.com/{x}'],
      payload: { user: 'alice' },
    })
    const subscriber = await openRawStream(mercureUrl(server.url, ['https://example.com/{x}']), {
      authorization: `Bearer ${token}`,
    })
    const [, started] = await watcher.waitForEvents(2)
    const first = JSON.parse(started?.data ?? '{}')
    expect(first).toMatchObject({
      '@context': 'https://mercure.rocks/',
      type: 'Subscription',
      topic: 'https://example.com/{x}',
      active: true,
      payload: { user: 'alice' },
    })
    expect(first.subscriber).toMatch(/^urn:uuid:/)
    expect(first.id).toBe(
      `${SUBSCRIPTIONS}/${enc('https://example.com/{x}')}/${enc(first.subscriber)}`,
    )
    subscriber.close()
    const events = await watcher.waitForEvents(3)
    expect(JSON.parse(events[2]?.data ?? '{}')).toMatchObject({ id: first.id, active: false })
  })

  it('keeps subscription events from subscribers not allowed to see them', async () => {
    server = await startTestServer({
      mercure: { jwtKey: SECRET, anonymous: true, subscriptions: true },
    })
    const anonymous = recordEventSource(mercureUrl(server.url, ['*']))
    closers.push(anonymous)
    await anonymous.waitForOpen()
    const other = await openRawStream(mercureUrl(server.url, ['t']))
    closers.push(other)
    await server.app.hub.publish('t', { data: 'public' })
    // The watcher's own subscription event and the other's came first, private: not delivered.
    expect((await anonymous.waitForEvents(1)).map((e) => e.data)).toEqual(['public'])
  })

  it('lists subscriptions as JSON-LD, for the collection, a selector and one subscription', async () => {
    server = await startTestServer({ mercure: { jwtKey: SECRET, subscriptions: true } })
    const reader = await mintToken({ subscribe: [`${SUBSCRIPTIONS}{/topic}{/subscriber}`] })
    const token = await mintToken({ subscribe: [], payload: { n: 1 } })
    const stream = await openRawStream(mercureUrl(server.url, ['a', 'b']), {
      authorization: `Bearer ${token}`,
    })
    closers.push(stream)
    const { id: lastId } = await server.app.hub.publish('a', { data: 'x' })

    const all = await getJson(`${server.url}${SUBSCRIPTIONS}`, reader)
    expect(all.status).toBe(200)
    expect(all.type).toMatch(/^application\/ld\+json/)
    const collection = all.body as { subscriptions: Array<Record<string, unknown>> } & Record<
      string,
      unknown
    >
    expect(collection).toMatchObject({
      '@context': 'https://mercure.rocks/',
      id: SUBSCRIPTIONS,
      type: 'Subscriptions',
      lastEventID: lastId,
    })
    expect(collection.subscriptions.map((s) => s.topic)).toEqual(['a', 'b'])
    const subscriber = collection.subscriptions[0]?.subscriber as string

    const byTopic = await getJson(`${server.url}${SUBSCRIPTIONS}/${enc('b')}`, reader)
    expect((byTopic.body as { subscriptions: unknown[] }).subscriptions).toEqual([
      {
        id: `${SUBSCRIPTIONS}/b/${enc(subscriber)}`,
        type: 'Subscription',
        topic: 'b',
        subscriber,
        active: true,
        payload: { n: 1 },
      },
    ])
    const one = await getJson(`${server.url}${SUBSCRIPTIONS}/b/${enc(subscriber)}`, reader)
    expect(one.body).toMatchObject({
      '@context': 'https://mercure.rocks/',
      topic: 'b',
      active: true,
      lastEventID: lastId,
    })
    expect(
      (await getJson(`${server.url}${SUBSCRIPTIONS}/b/${enc('urn:uuid:nobody')}`, reader)).status,
    ).toBe(404)
  })

  it('authorizes the API: 401 without a token, 403 when mercure.subscribe does not match the URL', async () => {
    server = await startTestServer({ mercure: { jwtKey: SECRET, subscriptions: true } })
    expect((await getJson(`${server.url}${SUBSCRIPTIONS}`)).status).toBe(401)
    const narrow = await mintToken({ subscribe: [`${SUBSCRIPTIONS}/${enc('a')}{/subscriber}`] })
    expect((await getJson(`${server.url}${SUBSCRIPTIONS}`, narrow)).status).toBe(403)
    expect((await getJson(`${server.url}${SUBSCRIPTIONS}/${enc('a')}`, narrow)).status).toBe(200)
  })

  it('says lastEventID `earliest` before any event', async () => {
    server = await startTestServer({ mercure: { jwtKey: SECRET, subscriptions: true } })
    const reader = await mintToken({ subscribe: ['*'] })
    expect((await getJson(`${server.url}${SUBSCRIPTIONS}`, reader)).body).toMatchObject({
      lastEventID: 'earliest',
      subscriptions: [],
    })
  })

  it('is off unless asked for: 404 with a message, and no subscription events', async () => {
    server = await startTestServer({ mercure: { jwtKey: SECRET, anonymous: true } })
    const response = await getJson(
      `${server.url}${SUBSCRIPTIONS}`,
      await mintToken({ subscribe: ['*'] }),
    )
    expect(response.status).toBe(404)
    expect(response.body).toMatch(/--subscriptions/)
    const stream = await openRawStream(mercureUrl(server.url, ['t']))
    closers.push(stream)
    await server.app.hub.publish('t', { data: 'x' })
    await stream.waitFor('data: x')
    expect((await keptBy(server.app.hub)).map((e) => e.topics[0])).toEqual(['t'])
  })
})

describe('Mercure discovery', () => {
  it('adds Link rel="mercure" to responses when configured, and not otherwise', async () => {
    server = await startTestServer({
      mercure: { discoveryUrl: 'https://hub.example.com/.well-known/mercure' },
    })
    const health = await fetch(`${server.url}/healthz`)
    expect(health.headers.get('link')).toBe(
      '<https://hub.example.com/.well-known/mercure>; rel="mercure"',
    )
    await server.close()
    server = await startTestServer({})
    expect((await fetch(`${server.url}/healthz`)).headers.has('link')).toBe(false)
  })
})
