import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { HubAppOptions } from '../../src/app/options.js'
import { createHub } from '../../src/hub/hub.js'
import { keptBy } from '../helpers/kept.js'
import { mercurePublish, mintToken, SECRET } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(options: HubAppOptions = {}): Promise<TestServer> {
  server = await startTestServer({ mercure: { jwtKey: SECRET }, ...options })
  return server
}

async function publishJson(value: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server?.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  })
  return { status: response.status, body: await response.text(), headers: response.headers }
}

async function publishForm(fields: [string, string][]) {
  const response = await fetch(`${server?.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
  return { status: response.status, body: await response.text() }
}

/** A publish from another loopback address than fetch's 127.0.0.1. */
function publishFrom(localAddress: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL('/publish', server?.url)
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const topics = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`)
const publisherToken = (subject?: string) =>
  mintToken({ publish: ['*'] }, subject === undefined ? {} : { extra: { sub: subject } })

describe('publish limits over HTTP', () => {
  describe.each([
    ['SOH', '\x01'],
    ['DEL', '\x7f'],
    ['NEL', '\x85'],
  ])('an id holding %s', (_name, character) => {
    const id = `a${character}b`

    it('is refused with 400 in JSON', async () => {
      await start()
      const response = await publishJson({ topic: 'a', id, data: 'x' })
      expect(response.status).toBe(400)
      expect(response.body).toMatch(/`id` must not contain control characters/)
      expect(await keptBy(server?.app.hub)).toEqual([])
    })

    it('is refused with 400 in a form', async () => {
      await start()
      const response = await publishForm([
        ['topic', 'a'],
        ['id', id],
      ])
      expect(response.status).toBe(400)
      expect(await keptBy(server?.app.hub)).toEqual([])
    })

    it('is refused with 400 through Mercure', async () => {
      const { url } = await start()
      const response = await mercurePublish(
        url,
        { topic: 'https://example.com/a', id, data: 'x' },
        { token: await publisherToken() },
      )
      expect(response.status).toBe(400)
      expect(await keptBy(server?.app.hub)).toEqual([])
    })
  })

  it('accepts a snowman in an id, in JSON, a form and through Mercure', async () => {
    const { url } = await start()
    expect((await publishJson({ topic: 'a', id: '☃-1' })).body).toBe('☃-1')
    expect(
      (
        await publishForm([
          ['topic', 'a'],
          ['id', '☃-2'],
        ])
      ).body,
    ).toBe('☃-2')
    const mercure = await mercurePublish(
      url,
      { topic: 'https://example.com/a', id: '☃-3' },
      { token: await publisherToken() },
    )
    expect(mercure.body).toBe('☃-3')
    expect((await keptBy(server?.app.hub)).map((e) => e.id)).toEqual(['☃-1', '☃-2', '☃-3'])
  })

  it('refuses an event with more topics than the hub allows, with 400', async () => {
    const { url } = await start()
    expect((await publishJson({ topic: topics(64) })).status).toBe(200)
    const json = await publishJson({ topic: topics(65) })
    expect(json.status).toBe(400)
    expect(json.body).toMatch(/at most 64 topics, got 65/)
    const form = await publishForm(topics(65).map((t) => ['topic', t]))
    expect(form.status).toBe(400)
    const mercure = await mercurePublish(
      url,
      { topic: topics(65).map((t) => `https://example.com/${t}`) },
      { token: await publisherToken() },
    )
    expect(mercure.status).toBe(400)
    expect(await keptBy(server?.app.hub)).toHaveLength(1)
  })

  it('refuses an event over the hub maxEventBytes with 413', async () => {
    await start({ hub: createHub({ maxEventBytes: 100 }) })
    expect((await publishJson({ topic: 'a', data: 'x'.repeat(90) })).status).toBe(200)
    expect((await publishJson({ topic: 'a', data: '\n'.repeat(20) })).status).toBe(413)
  })

  it('refuses a batch over maxBatchEvents with 400', async () => {
    await start({ maxBatchEvents: 3 })
    const event = { topic: 'a', data: 'x' }
    expect((await publishJson([event, event, event])).status).toBe(200)
    const response = await publishJson([event, event, event, event])
    expect(response.status).toBe(400)
    expect(response.body).toMatch(/1 to 3 events, got 4/)
  })

  it('refuses a subscription to more topics than maxSubscriptionTopics with 400', async () => {
    const { url } = await start({ maxSubscriptionTopics: 3 })
    const query = (count: number) =>
      topics(count)
        .map((t) => `topic=${t}`)
        .join('&')
    const refused = await fetch(`${url}/events?${query(4)}`)
    expect(refused.status).toBe(400)
    expect(await refused.text()).toMatch(/at most 3 topics, got 4/)
    const accepted = await fetch(`${url}/events?${query(3)}`)
    expect(accepted.status).toBe(200)
    await accepted.body?.cancel()
  })
})

describe('publish rate limit', () => {
  // A rate so low that no event is earned back while the test runs: only the burst counts.
  const slow = { publishRate: 0.001, publishBurst: 2 }

  it('lets a burst through, then answers 429 with Retry-After in whole seconds', async () => {
    await start(slow)
    expect((await publishJson({ topic: 'a' })).status).toBe(200)
    expect((await publishJson({ topic: 'a' })).status).toBe(200)
    const refused = await publishJson({ topic: 'a' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(900)
    expect(await keptBy(server?.app.hub)).toHaveLength(2)
  })

  it('counts each event of a batch', async () => {
    await start(slow)
    expect((await publishJson([{ topic: 'a' }, { topic: 'a' }])).status).toBe(200)
    expect((await publishJson({ topic: 'a' })).status).toBe(429)
  })

  it('keeps another address apart', async () => {
    await start(slow)
    for (let i = 0; i < 2; i++) expect(await publishFrom('127.0.0.1', '{"topic":"a"}')).toBe(200)
    expect(await publishFrom('127.0.0.1', '{"topic":"a"}')).toBe(429)
    expect(await publishFrom('127.0.0.2', '{"topic":"a"}')).toBe(200)
  })

  it('counts Mercure publishers by their JWT subject, in the same buckets', async () => {
    const { url } = await start(slow)
    const publish = async (token: string) =>
      (await mercurePublish(url, { topic: 'https://example.com/a' }, { token })).status
    const alice = await publisherToken('alice')
    expect([await publish(alice), await publish(alice), await publish(alice)]).toEqual([
      200, 200, 429,
    ])
    expect(await publish(await publisherToken('bob'))).toBe(200)
    // Without a subject, the address: 127.0.0.1, whose bucket /publish shares.
    expect((await publishJson({ topic: 'a' })).status).toBe(200)
    expect(await publish(await publisherToken())).toBe(200)
    expect((await publishJson({ topic: 'a' })).status).toBe(429)
  })

  it('gives the holders of the publish key one bucket', async () => {
    await start({ ...slow, publishKey: 'k' })
    const auth = { authorization: 'Bearer k' }
    expect((await publishJson({ topic: 'a' }, auth)).status).toBe(200)
    expect((await publishJson({ topic: 'a' }, auth)).status).toBe(200)
    expect((await publishJson({ topic: 'a' }, auth)).status).toBe(429)
    // A wrong key is refused before it is counted.
    expect((await publishJson({ topic: 'a' }, { authorization: 'Bearer x' })).status).toBe(401)
  })

  it('is off by default', async () => {
    await start()
    for (let i = 0; i < 50; i++) expect((await publishJson({ topic: 'a' })).status).toBe(200)
  })
})
