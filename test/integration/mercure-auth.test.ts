import { afterEach, describe, expect, it } from 'vitest'
import { createHubApp } from '../../src/app/app.js'
import type { MercureOptions } from '../../src/mercure/options.js'
import { recordEventSource } from '../helpers/event-source.js'
import {
  mercurePublish,
  mercureUrl,
  mintToken,
  rsaKeys,
  SECRET,
  unsecuredToken,
} from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

let server: TestServer | undefined
const closers: Array<{ close(): void }> = []
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server?.close()
  server = undefined
})

async function start(mercure: MercureOptions, corsOrigins?: string[]): Promise<TestServer> {
  server = await startTestServer({ mercure, ...(corsOrigins ? { corsOrigins } : {}) })
  return server
}

async function subscribe(
  hub: TestServer,
  selectors: string[],
  headers: Record<string, string> = {},
) {
  const es = recordEventSource(mercureUrl(hub.url, selectors), { headers })
  closers.push(es)
  await es.waitForOpen()
  return es
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const status = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers }).then(async (r) => ({ status: r.status, body: await r.text() }))

describe('Mercure authorization: publishers', () => {
  it('accepts an HS256 JWS whose mercure.publish covers the topic', async () => {
    const hub = await start({ jwtKey: SECRET })
    const token = await mintToken({ publish: ['https://example.com/books/{id}'] })
    const response = await mercurePublish(
      hub.url,
      { topic: 'https://example.com/books/1' },
      { token },
    )
    expect(response.status).toBe(200)
  })

  it.each([
    ['no token', async () => undefined, 401, /publishing needs a JWS/],
    ['alg none', async () => unsecuredToken({ publish: ['*'] }), 401, /JWS/],
    [
      'a wrong key',
      async () =>
        mintToken(
          { publish: ['*'] },
          { key: new TextEncoder().encode('another-secret-of-32-bytes-at-least') },
        ),
      401,
      /signature does not match/,
    ],
    [
      'an expired token',
      async () => mintToken({ publish: ['*'] }, { expiresAt: Date.now() - 60_000 }),
      401,
      /expired/,
    ],
    [
      'a token without mercure.publish',
      async () => mintToken({ subscribe: ['*'] }),
      403,
      /does not allow publishing/,
    ],
    [
      'an empty mercure.publish',
      async () => mintToken({ publish: [] }),
      403,
      /does not allow publishing/,
    ],
    ['a malformed token', async () => 'not.a.jws', 401, /malformed/],
  ])('refuses %s (%i) and dispatches nothing', async (_, token, code, message) => {
    const hub = await start({ jwtKey: SECRET, anonymous: true })
    const es = await subscribe(hub, ['t'])
    const given = await token()
    const refused = await mercurePublish(
      hub.url,
      { topic: 't', data: 'refused' },
      given === undefined ? {} : { token: given },
    )
    expect(refused.status).toBe(code)
    expect(refused.body).toMatch(message)
    await mercurePublish(
      hub.url,
      { topic: 't', data: 'allowed' },
      { token: await mintToken({ publish: ['*'] }) },
    )
    expect((await es.waitForEvents(1)).map((e) => e.data)).toEqual(['allowed'])
  })

  it('refuses (403) an update when one of its topics is not covered, even if others are', async () => {
    const hub = await start({ jwtKey: SECRET, anonymous: true })
    const es = await subscribe(hub, ['https://example.com/a'])
    const token = await mintToken({ publish: ['https://example.com/a'] })
    const refused = await mercurePublish(
      hub.url,
      { topic: ['https://example.com/a', 'https://example.com/b'], data: 'both' },
      { token },
    )
    expect(refused.status).toBe(403)
    expect(refused.body).toMatch(/"https:\/\/example.com\/b"/)
    await mercurePublish(hub.url, { topic: 'https://example.com/a', data: 'one' }, { token })
    expect((await es.waitForEvents(1)).map((e) => e.data)).toEqual(['one'])
  })

  it('refuses Mercure publishing when the hub has no publisher key', async () => {
    const hub = await start({})
    const token = await mintToken({ publish: ['*'] })
    const refused = await mercurePublish(hub.url, { topic: 't' }, { token })
    expect(refused.status).toBe(401)
    expect(refused.body).toMatch(/no publisher JWT key/)
    const without = await mercurePublish(hub.url, { topic: 't' })
    expect(without.status).toBe(401)
    expect(without.body).toMatch(/needs a publisher JWT key on the hub/)
  })

  it('verifies RS256 with a PEM public key, and refuses an HS256 token there', async () => {
    const { privateKey, publicPem } = await rsaKeys()
    const hub = await start({ publisherJwtKey: publicPem, jwtAlgorithm: 'RS256' })
    const rs = await mintToken({ publish: ['*'] }, { key: privateKey, alg: 'RS256' })
    expect((await mercurePublish(hub.url, { topic: 't' }, { token: rs })).status).toBe(200)
    const hs = await mercurePublish(
      hub.url,
      { topic: 't' },
      { token: await mintToken({ publish: ['*'] }) },
    )
    expect(hs.status).toBe(401)
    expect(hs.body).toMatch(/must be signed with RS256/)
  })

  it('uses separate publisher and subscriber keys', async () => {
    const hub = await start({
      publisherJwtKey: SECRET,
      subscriberJwtKey: 'subscriber-secret-of-32-bytes-long!',
    })
    const publisherToken = await mintToken({ publish: ['*'], subscribe: ['*'] })
    expect((await mercurePublish(hub.url, { topic: 't' }, { token: publisherToken })).status).toBe(
      200,
    )
    expect((await status(mercureUrl(hub.url, ['t']), bearer(publisherToken))).status).toBe(401)
  })

  it('refuses a bad key configuration at creation, naming it', () => {
    expect(() => createHubApp({ mercure: { jwtKey: 'not a pem', jwtAlgorithm: 'RS256' } })).toThrow(
      /publisher JWT key: a RS256 JWT key must be a PEM public key/,
    )
    expect(() => createHubApp({ mercure: { jwtKey: SECRET, jwtAlgorithm: 'none' } })).toThrow(
      /algorithm must be one of/,
    )
  })
})

describe('Mercure authorization: where the JWS comes from', () => {
  it('prefers the Authorization header to the query parameter and the cookie', async () => {
    const hub = await start({ jwtKey: SECRET })
    const good = await mintToken({ subscribe: ['*'] })
    const url = mercureUrl(hub.url, ['t'], { authorization: good })
    const cookie = { cookie: `mercureAuthorization=${good}` }
    expect((await status(url, { ...bearer('bad.token.here'), ...cookie })).status).toBe(401)
    expect(
      (await status(mercureUrl(hub.url, ['t'], { authorization: 'bad' }), cookie)).status,
    ).toBe(401)
    const fromQuery = await openRawStream(url, { cookie: 'mercureAuthorization=bad' })
    closers.push(fromQuery)
    expect(fromQuery.response.status).toBe(200)
    expect(fromQuery.response.headers.get('cache-control')).toMatch(/private/)
    const fromCookie = await openRawStream(mercureUrl(hub.url, ['t']), {
      cookie: `other=1; mercureAuthorization=${good}`,
    })
    closers.push(fromCookie)
    expect(fromCookie.response.status).toBe(200)
  })

  it('answers 401 for an Authorization header that is not Bearer', async () => {
    const hub = await start({ jwtKey: SECRET, anonymous: true })
    const response = await status(mercureUrl(hub.url, ['t']), { authorization: 'Basic dTpw' })
    expect(response.status).toBe(401)
    expect(response.body).toMatch(/must be `Bearer <JWS>`/)
  })

  it('refuses a publish authorized by a cookie from another origin (CSRF), accepts its own and listed ones', async () => {
    const hub = await start({ jwtKey: SECRET }, ['https://app.example.com'])
    const token = await mintToken({ publish: ['*'] })
    const cookie = { cookie: `mercureAuthorization=${token}` }
    const post = (headers: Record<string, string>) =>
      mercurePublish(hub.url, { topic: 't' }, { headers: { ...cookie, ...headers } })
    const none = await post({})
    expect(none.status).toBe(403)
    expect(none.body).toMatch(/needs an Origin or Referer/)
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403)
    expect((await post({ origin: `http://${new URL(hub.url).host}` })).status).toBe(200)
    expect((await post({ origin: 'https://app.example.com' })).status).toBe(200)
    expect((await post({ referer: 'https://app.example.com/page' })).status).toBe(200)
  })
})

describe('Mercure authorization: subscribers', () => {
  it('refuses anonymous subscribers once a subscriber key is set, unless anonymous is on', async () => {
    const closed = await start({ jwtKey: SECRET })
    const refused = await status(mercureUrl(closed.url, ['t']))
    expect(refused.status).toBe(401)
    expect(refused.body).toMatch(/subscribing needs a JWS/)
    await closed.close()
    const open = await start({ jwtKey: SECRET, anonymous: true })
    const stream = await openRawStream(mercureUrl(open.url, ['t']))
    closers.push(stream)
    expect(stream.response.status).toBe(200)
  })

  it('lets anonymous subscribers in by default when no subscriber key is set', async () => {
    const hub = await start({})
    const stream = await openRawStream(mercureUrl(hub.url, ['t']))
    closers.push(stream)
    expect(stream.response.status).toBe(200)
  })

  it.each([
    ['alg none', async () => unsecuredToken({ subscribe: ['*'] })],
    [
      'an expired token',
      async () => mintToken({ subscribe: ['*'] }, { expiresAt: Date.now() - 60_000 }),
    ],
    [
      'a wrong key',
      async () =>
        mintToken(
          { subscribe: ['*'] },
          { key: new TextEncoder().encode('another-secret-of-32-bytes-at-least') },
        ),
    ],
  ])('refuses %s with 401, even with anonymous on', async (_, token) => {
    const hub = await start({ jwtKey: SECRET, anonymous: true })
    expect((await status(mercureUrl(hub.url, ['t']), bearer(await token()))).status).toBe(401)
  })

  it('sends a private update only to subscribers whose mercure.subscribe matches one of its topics', async () => {
    const hub = await start({ jwtKey: SECRET, anonymous: true })
    const selector = 'https://example.com/books/{id}'
    const allowed = await subscribe(
      hub,
      [selector],
      bearer(await mintToken({ subscribe: ['https://example.com/users/foo/{?topic}'] })),
    )
    const otherUser = await subscribe(
      hub,
      [selector],
      bearer(await mintToken({ subscribe: ['https://example.com/users/bar/{?topic}'] })),
    )
    const anonymous = await subscribe(hub, [selector])
    const publisher = await mintToken({ publish: ['*'] })
    // The draft's own example: canonical topic the book, alternate the user's topic.
    await mercurePublish(
      hub.url,
      {
        topic: [
          'https://example.com/books/1',
          'https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1',
        ],
        data: 'private',
        private: 'on',
      },
      { token: publisher },
    )
    await mercurePublish(
      hub.url,
      { topic: 'https://example.com/books/2', data: 'public' },
      { token: publisher },
    )
    expect((await allowed.waitForEvents(2)).map((e) => e.data)).toEqual(['private', 'public'])
    expect((await otherUser.waitForEvents(1)).map((e) => e.data)).toEqual(['public'])
    expect((await anonymous.waitForEvents(1)).map((e) => e.data)).toEqual(['public'])
  })

  it('treats an empty `private` field as private, as the draft allows any value', async () => {
    const hub = await start({ jwtKey: SECRET, anonymous: true })
    const anonymous = await subscribe(hub, ['t'])
    const publisher = await mintToken({ publish: ['*'] })
    await mercurePublish(hub.url, { topic: 't', data: 'hidden', private: '' }, { token: publisher })
    await mercurePublish(hub.url, { topic: 't', data: 'shown' }, { token: publisher })
    expect((await anonymous.waitForEvents(1)).map((e) => e.data)).toEqual(['shown'])
  })

  it('ends a subscriber stream when its token expires, not before', async () => {
    const hub = await start({ jwtKey: SECRET })
    const expiresAt = Date.now() + 1500
    const token = await mintToken({ subscribe: ['*'] }, { expiresAt })
    const stream = await openRawStream(mercureUrl(hub.url, ['t']), bearer(token))
    closers.push(stream)
    expect(stream.response.status).toBe(200)
    await hub.app.hub.publish('t', { data: 'before expiry' })
    await stream.waitFor('data: before expiry')
    await stream.ended
    // `exp` is in whole seconds: the stream may end up to a second before `expiresAt`.
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(expiresAt / 1000) * 1000 - 20)
    expect(hub.app.stats().streams).toBe(0)
  })
  it('keeps a stream whose token expires later than a timer can wait (over 24.8 days)', async () => {
    const hub = await start({ jwtKey: SECRET })
    const token = await mintToken({ subscribe: ['*'] }, { expiresAt: Date.now() + 40 * 86_400_000 })
    const stream = await openRawStream(mercureUrl(hub.url, ['t']), bearer(token))
    closers.push(stream)
    await hub.app.hub.publish('t', { data: 'first' })
    await stream.waitFor('data: first')
    await hub.app.hub.publish('t', { data: 'second' })
    await stream.waitFor('data: second')
    expect(hub.app.stats().streams).toBe(1)
  })
})
