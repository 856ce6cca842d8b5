import { afterEach, describe, expect, it } from 'vitest'
import type { HubAppOptions } from '../../src/app/options.js'
import { SseError } from '../../src/errors.js'
import type { EventsAccess, EventsAuthorizer } from '../../src/http/events-auth.js'
import { mercureUrl, mintToken, rsaKeys, SECRET, unsecuredToken } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

const ALICE = '/users/alice/notifications'
const BOB = '/users/bob/notifications'

let server: TestServer | undefined
const streams: RawStream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
  server = undefined
})

/** A hub whose Mercure subscriber key guards /events, with more options if given. */
async function start(options: HubAppOptions = {}): Promise<TestServer> {
  server = await startTestServer({ mercure: { jwtKey: SECRET }, ...options })
  return server
}

function eventsUrl(hub: TestServer, topics: string[], extra: Record<string, string> = {}): string {
  const url = new URL('/events', hub.url)
  for (const topic of topics) url.searchParams.append('topic', topic)
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value)
  return url.href
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const aliceToken = (options?: { expiresAt?: number }) => mintToken({ subscribe: [ALICE] }, options)

async function refusal(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  return { status: response.status, body: await response.text(), headers: response.headers }
}

async function open(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const stream = await openRawStream(url, headers)
  streams.push(stream)
  return stream
}

describe('GET /events with a subscriber key: tokens', () => {
  it("streams a user's own topic to the bearer of a token whose mercure.subscribe names it", async () => {
    const hub = await start()
    const stream = await open(eventsUrl(hub, [ALICE]), bearer(await aliceToken()))
    expect(stream.response.status).toBe(200)
    expect(stream.response.headers.get('cache-control')).toBe('private, no-cache, no-transform')
    await hub.app.hub.publish(ALICE, { data: 'you have mail' })
    await stream.waitFor('data: you have mail\n\n')
  })

  it.each([
    ['no token', async () => ({}), /needs a JWS/],
    [
      'a token signed with another key',
      async () =>
        bearer(
          await mintToken(
            { subscribe: [ALICE] },
            { key: new TextEncoder().encode('another-secret-of-32-bytes-at-least') },
          ),
        ),
      /signature does not match/,
    ],
    [
      'an unsecured token (alg none)',
      async () => bearer(unsecuredToken({ subscribe: ['*'] })),
      /JWS/,
    ],
    ['a scheme other than Bearer', async () => ({ authorization: 'Basic dTpw' }), /Bearer <JWS>/],
    [
      'an expired token',
      async () => bearer(await aliceToken({ expiresAt: Date.now() - 60_000 })),
      /expired/,
    ],
  ])('answers 401 to %s, subscribing nothing', async (_, headers, message) => {
    const hub = await start()
    const refused = await refusal(eventsUrl(hub, [ALICE]), await headers())
    expect(refused.status).toBe(401)
    expect(refused.body).toMatch(message)
    // RFC 9110 asks a 401 for its challenge; an expired token is named as the wrong token.
    expect(refused.headers.get('www-authenticate')).toMatch(
      /expired/.test(refused.body) ? /^Bearer error="invalid_token"/ : /^Bearer$/,
    )
    expect(hub.app.stats().subscribers).toBe(0)
  })

  it('keeps a refused token out of the answer and the log, however it came', async () => {
    const lines: string[] = []
    const record = (message: string, fields?: object) => {
      lines.push(`${message} ${JSON.stringify(fields ?? {})}`)
    }
    const hub = await start({ logger: { info: record, warn: record, error: record } })
    const forged = `${(await aliceToken()).slice(0, -4)}AAAA`
    const expired = await mintToken({ subscribe: [ALICE] }, { expiresAt: Date.now() - 60_000 })
    for (const token of [forged, expired, 'garbage-token-text']) {
      for (const [url, headers] of [
        [eventsUrl(hub, [ALICE]), bearer(token)],
        [eventsUrl(hub, [ALICE], { authorization: token }), {}],
        [eventsUrl(hub, [ALICE]), { cookie: `mercureAuthorization=${token}` }],
      ] as const) {
        const refused = await refusal(url, headers)
        expect(refused.status).toBe(401)
        expect(refused.body).not.toContain(token.slice(-12))
        refused.headers.forEach((value) => {
          expect(value).not.toContain(token.slice(-12))
        })
      }
      expect(lines.join('\n')).not.toContain(token.slice(-12))
    }
  })

  it("answers 403 to Alice's token asking for Bob's topic, naming the topic", async () => {
    const hub = await start()
    const refused = await refusal(eventsUrl(hub, [BOB]), bearer(await aliceToken()))
    expect(refused.status).toBe(403)
    expect(refused.body).toMatch(/does not allow subscribing to \W*\/users\/bob\/notifications/)
    expect(hub.app.stats().subscribers).toBe(0)
  })

  it('quotes a refused topic only in problem details no browser sniffs for a page', async () => {
    const hub = await start()
    const topic = '<script>alert(1)</script>'
    const refused = await refusal(eventsUrl(hub, [topic]), bearer(await aliceToken()))
    expect(refused.status).toBe(403)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff')
    expect(JSON.parse(refused.body).detail).toContain(JSON.stringify(topic))
  })

  it('needs every topic covered: one foreign topic among her own refuses the whole stream', async () => {
    const hub = await start()
    const refused = await refusal(eventsUrl(hub, [ALICE, BOB]), bearer(await aliceToken()))
    expect(refused.status).toBe(403)
    expect(refused.body).not.toMatch(/alice/)
  })

  it('matches the claim as Mercure does: a URI template covers the topics it expands to', async () => {
    const hub = await start()
    const token = await mintToken({ subscribe: ['/users/alice/{x}'] })
    const stream = await open(eventsUrl(hub, [ALICE, '/users/alice/orders']), bearer(token))
    expect(stream.response.status).toBe(200)
    await hub.app.hub.publish('/users/alice/orders', { data: 'shipped' })
    await stream.waitFor('data: shipped')
    // A simple expansion holds no `/`: the template stops at Alice's own level.
    expect((await refusal(eventsUrl(hub, ['/users/alice/a/b']), bearer(token))).status).toBe(403)
    expect((await refusal(eventsUrl(hub, [BOB]), bearer(token))).status).toBe(403)
  })

  it('needs a token for the default topic too (no topic parameter)', async () => {
    const hub = await start({ defaultTopic: 'clock' })
    expect((await refusal(eventsUrl(hub, []))).status).toBe(401)
    const clock = await mintToken({ subscribe: ['clock'] })
    const stream = await open(eventsUrl(hub, []), bearer(clock))
    expect(stream.response.status).toBe(200)
  })

  it('takes the token from the cookie or the authorization query parameter, the header first', async () => {
    const hub = await start()
    const good = await aliceToken()
    const fromCookie = await open(eventsUrl(hub, [ALICE]), {
      cookie: `theme=dark; mercureAuthorization=${good}`,
    })
    expect(fromCookie.response.status).toBe(200)
    const fromQuery = await open(eventsUrl(hub, [ALICE], { authorization: good }))
    expect(fromQuery.response.status).toBe(200)
    const badHeader = await refusal(eventsUrl(hub, [ALICE], { authorization: good }), {
      ...bearer('not.a.token'),
      cookie: `mercureAuthorization=${good}`,
    })
    expect(badHeader.status).toBe(401)
  })

  it('reads the cookie by the name Mercure is given', async () => {
    const hub = await start({ mercure: { jwtKey: SECRET, cookieName: 'hubToken' } })
    const good = await aliceToken()
    expect(
      (await refusal(eventsUrl(hub, [ALICE]), { cookie: `mercureAuthorization=${good}` })).status,
    ).toBe(401)
    const stream = await open(eventsUrl(hub, [ALICE]), { cookie: `hubToken=${good}` })
    expect(stream.response.status).toBe(200)
  })

  it('serves one token to both APIs: the same JWS subscribes on /events and on Mercure', async () => {
    const hub = await start()
    const token = bearer(await aliceToken())
    const native = await open(eventsUrl(hub, [ALICE]), token)
    const mercure = await open(mercureUrl(hub.url, [ALICE]), token)
    expect([native.response.status, mercure.response.status]).toEqual([200, 200])
    await hub.app.hub.publish(ALICE, { data: 'both' })
    await native.waitFor('data: both')
    await mercure.waitFor('data: both')
  })

  it('ends the stream when the token expires, and refuses it from then on', async () => {
    const hub = await start()
    const expiresAt = Date.now() + 2500
    const token = bearer(await aliceToken({ expiresAt }))
    const stream = await open(eventsUrl(hub, [ALICE]), token)
    await hub.app.hub.publish(ALICE, { data: 'before expiry' })
    await stream.waitFor('data: before expiry')
    await stream.ended
    // `exp` is in whole seconds: the stream may end up to a second before `expiresAt`.
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(expiresAt / 1000) * 1000 - 20)
    expect(hub.app.stats().streams).toBe(0)
    const again = await refusal(eventsUrl(hub, [ALICE]), token)
    expect(again.status).toBe(401)
    expect(again.body).toMatch(/expired/)
  })

  it('sends no header made from the token: its claims and subject stay out of the response', async () => {
    const hub = await start()
    const token = await mintToken(
      { subscribe: [ALICE], payload: { note: 'x\r\nset-cookie: evil=1' } },
      { extra: { sub: 'alice\r\nx-injected: 1' } },
    )
    const stream = await open(eventsUrl(hub, [ALICE], { authorization: token }))
    expect(stream.response.status).toBe(200)
    const expected = [
      'cache-control',
      'connection',
      'content-type',
      'date',
      'keep-alive',
      'x-accel-buffering',
    ]
    const names: string[] = []
    stream.response.headers.forEach((_, name) => {
      names.push(name)
    })
    for (const name of names.filter((n) => n !== 'transfer-encoding')) {
      expect(expected).toContain(name)
    }
    expect(stream.response.headers.has('set-cookie')).toBe(false)
    expect(stream.response.headers.has('x-injected')).toBe(false)
    const refused = await refusal(eventsUrl(hub, [BOB]), bearer(token))
    expect(refused.status).toBe(403)
    expect(refused.headers.has('set-cookie')).toBe(false)
    expect(refused.headers.has('x-injected')).toBe(false)
  })
})

describe('GET /events with a subscriber key: the key', () => {
  it('refuses a PEM public key under HS256, the default, with which anyone could sign tokens', async () => {
    const { publicPem } = await rsaKeys()
    await expect(start({ mercure: { jwtKey: publicPem } })).rejects.toThrow(
      /HS256 JWT key is a shared secret, and this one is a PEM/,
    )
    await expect(
      start({ mercure: { subscriberJwtKey: publicPem, subscriberJwtAlgorithm: 'HS512' } }),
    ).rejects.toThrow(/HS512 JWT key is a shared secret/)
  })

  it('refuses an HMAC secret shorter than its hash, which one token would give away', async () => {
    await expect(start({ mercure: { jwtKey: 'jwt-secret' } })).rejects.toThrow(
      /HS256 JWT key must be at least 32 bytes \(RFC 7518, section 3.2\), got 10/,
    )
    await expect(start({ mercure: { jwtKey: SECRET, jwtAlgorithm: 'HS512' } })).rejects.toThrow(
      /HS512 JWT key must be at least 64 bytes/,
    )
    // Counted in bytes: 16 two-byte characters are 32.
    const hub = await start({ mercure: { jwtKey: 'é'.repeat(16) } })
    expect(hub.port).toBeGreaterThan(0)
  })

  it('takes the same PEM with its own algorithm, and refuses a token signed with its text', async () => {
    const { privateKey, publicPem } = await rsaKeys()
    const hub = await start({ mercure: { jwtKey: publicPem, jwtAlgorithm: 'RS256' } })
    const forged = await mintToken(
      { subscribe: ['*'] },
      { key: new TextEncoder().encode(publicPem) },
    )
    expect((await refusal(eventsUrl(hub, [BOB]), bearer(forged))).status).toBe(401)
    const signed = await mintToken({ subscribe: [ALICE] }, { key: privateKey, alg: 'RS256' })
    expect((await open(eventsUrl(hub, [ALICE]), bearer(signed))).response.status).toBe(200)
  })
})

describe('GET /events with a subscriber key: public topics and anonymous', () => {
  it('opens public topics to anyone, exact or by template, and still guards the rest', async () => {
    const hub = await start({ publicTopics: ['announcements', '/news/{id}'] })
    const stream = await open(eventsUrl(hub, ['announcements', '/news/1']))
    expect(stream.response.status).toBe(200)
    await hub.app.hub.publish('/news/1', { data: 'public news' })
    await stream.waitFor('data: public news')
    expect((await refusal(eventsUrl(hub, ['announcements', ALICE]))).status).toBe(401)
    const mixed = await open(eventsUrl(hub, ['announcements', ALICE]), bearer(await aliceToken()))
    expect(mixed.response.status).toBe(200)
  })

  it('keeps /events open to all with anonymous on, as before authorization existed', async () => {
    const hub = await start({ mercure: { jwtKey: SECRET, anonymous: true } })
    const stream = await open(eventsUrl(hub, [BOB]))
    expect(stream.response.status).toBe(200)
    expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-transform')
  })

  it('keeps /events open without a subscriber key (a publisher key alone guards nothing here)', async () => {
    const hub = await start({ mercure: { publisherJwtKey: SECRET } })
    const stream = await open(eventsUrl(hub, [BOB]))
    expect(stream.response.status).toBe(200)
  })

  it('refuses a bad publicTopics at creation, naming it', async () => {
    await expect(start({ publicTopics: 'clock' as unknown as string[] })).rejects.toThrow(
      /`publicTopics` must be an array/,
    )
    await expect(start({ publicTopics: [''] })).rejects.toThrow(/`publicTopics`/)
  })
})

describe('GET /events with a subscriber key: private updates', () => {
  it('sends a private update to a stream allowed its topic, never to one let in as public or anonymous', async () => {
    const hub = await start({ publicTopics: ['announcements'] })
    const alice = await open(eventsUrl(hub, ['announcements', ALICE]), bearer(await aliceToken()))
    const everyone = await open(eventsUrl(hub, ['announcements']))
    await hub.app.hub.publish('announcements', { data: 'private announcement', private: true })
    await hub.app.hub.publish(ALICE, { data: 'private to alice', private: true })
    await hub.app.hub.publish('announcements', { data: 'public announcement' })
    await alice.waitFor('data: public announcement')
    await everyone.waitFor('data: public announcement')
    expect(alice.text()).not.toMatch(/private announcement/)
    expect(alice.text()).toMatch(/private to alice/)
    expect(everyone.text()).not.toMatch(/private/)
  })

  it('replays a private update after Last-Event-ID only to a stream allowed its topic', async () => {
    const hub = await start({ publicTopics: ['announcements'] })
    const first = await hub.app.hub.publish('announcements', { data: 'before' })
    await hub.app.hub.publish(['announcements', ALICE], { data: 'private to alice', private: true })
    await hub.app.hub.publish('announcements', { data: 'after' })
    const resume = { 'last-event-id': first.id }
    const everyone = await open(eventsUrl(hub, ['announcements']), resume)
    const alice = await open(eventsUrl(hub, ['announcements', ALICE]), {
      ...resume,
      ...bearer(await aliceToken()),
    })
    await everyone.waitFor('data: after')
    await alice.waitFor(/data: private to alice\n\n[\s\S]*data: after/)
    expect(everyone.text()).not.toMatch(/private/)
    // The query's resume point and token, as a first EventSource connection sends them.
    const fromQuery = await open(
      eventsUrl(hub, ['announcements'], { lastEventID: first.id, authorization: 'x' }),
    )
    await fromQuery.waitFor('data: after')
    expect(fromQuery.text()).not.toMatch(/private/)
  })

  it('sends no private update with anonymous on', async () => {
    const hub = await start({ mercure: { jwtKey: SECRET, anonymous: true } })
    const stream = await open(eventsUrl(hub, [ALICE]), bearer(await aliceToken()))
    await hub.app.hub.publish(ALICE, { data: 'hidden', private: true })
    await hub.app.hub.publish(ALICE, { data: 'shown' })
    await stream.waitFor('data: shown')
    expect(stream.text()).not.toMatch(/hidden/)
  })
})

describe('GET /events with an authorize hook', () => {
  /** A hook that records what it was asked and answers `decide(topics)`. */
  function hook(decide: (topics: readonly string[]) => ReturnType<EventsAuthorizer>) {
    const asked: string[][] = []
    const authorize: EventsAuthorizer = async (request, topics) => {
      asked.push([...topics, `user=${request.header('x-user') ?? ''}`])
      return decide(topics)
    }
    return { asked, authorize }
  }

  it('lets the hook allow, in place of the token check, asking it only about non-public topics', async () => {
    const { asked, authorize } = hook(() => true)
    const hub = await start({ authorize, publicTopics: ['announcements'] })
    const stream = await open(eventsUrl(hub, ['announcements', ALICE]), { 'x-user': 'alice' })
    expect(stream.response.status).toBe(200)
    expect(asked).toEqual([[ALICE, 'user=alice']])
    await open(eventsUrl(hub, ['announcements']))
    expect(asked).toHaveLength(1)
  })

  it('answers 403 when the hook denies, or answers anything but true or { allow: true }', async () => {
    for (const answer of [false, { allow: false }, 'yes', null, { allow: 'true' }]) {
      const { authorize } = hook(() => answer as boolean)
      const hub = await start({ authorize })
      const refused = await refusal(eventsUrl(hub, [ALICE]))
      expect(refused.status).toBe(403)
      expect(hub.app.stats().subscribers).toBe(0)
      await hub.close()
    }
    server = undefined
  })

  it('answers 401 when the hook throws ERR_SSE_UNAUTHORIZED, and 500 for any other throw', async () => {
    let error: Error = new SseError('ERR_SSE_UNAUTHORIZED', 'log in first')
    const hub = await start({
      authorize: () => {
        throw error
      },
    })
    const unauthorized = await refusal(eventsUrl(hub, [ALICE]))
    expect(unauthorized.status).toBe(401)
    expect(unauthorized.body).toMatch(/log in first/)
    error = new Error('session store down: secret detail')
    const failed = await refusal(eventsUrl(hub, [ALICE]))
    expect(failed.status).toBe(500)
    expect(failed.body).not.toMatch(/secret detail/)
  })

  it('ends the stream at the expiresAt the hook gives, and refuses one already past', async () => {
    let expiresAt = Date.now() + 1000
    const hub = await start({ authorize: () => ({ allow: true, expiresAt }) })
    const stream = await open(eventsUrl(hub, [ALICE]))
    expect(stream.response.status).toBe(200)
    await stream.ended
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt)
    expiresAt = Date.now() - 1
    const refused = await refusal(eventsUrl(hub, [ALICE]))
    expect(refused.status).toBe(401)
    expect(refused.body).toMatch(/expired/)
  })

  it("gives the hook's allowed topics their private updates, unless it names its own privateTopics", async () => {
    let privateTopics: string[] | undefined
    const hub = await start({ authorize: () => ({ allow: true, privateTopics }) })
    const allowed = await open(eventsUrl(hub, [ALICE]))
    privateTopics = []
    const narrowed = await open(eventsUrl(hub, [ALICE]))
    await hub.app.hub.publish(ALICE, { data: 'private', private: true })
    await hub.app.hub.publish(ALICE, { data: 'public' })
    await allowed.waitFor(/data: private\n\n[\s\S]*data: public\n\n/)
    await narrowed.waitFor('data: public')
    expect(narrowed.text()).not.toMatch(/private/)
  })

  it('ends the stream at an expiresAt the hook answers as a getter (a class instance)', async () => {
    class Session {
      readonly allow = true
      readonly #until = Date.now() + 300
      get expiresAt() {
        return this.#until
      }
    }
    const hub = await start({ authorize: () => new Session() })
    const stream = await open(eventsUrl(hub, [ALICE]))
    expect(stream.response.status).toBe(200)
    await stream.ended
    expect(hub.app.stats().streams).toBe(0)
  })

  it("keeps of the hook's privateTopics only the subscription's own", async () => {
    const hub = await start({ authorize: () => ({ allow: true, privateTopics: [BOB] }) })
    const stream = await open(eventsUrl(hub, [ALICE]))
    await hub.app.hub.publish([ALICE, BOB], { data: 'private to bob', private: true })
    await hub.app.hub.publish(ALICE, { data: 'public' })
    await stream.waitFor('data: public')
    expect(stream.text()).not.toMatch(/private to bob/)
  })

  it.each([
    ['a NaN expiresAt', { allow: true, expiresAt: Number.NaN }],
    ['an expiresAt in a string', { allow: true, expiresAt: '2099-01-01' }],
    ['privateTopics that are not strings', { allow: true, privateTopics: [1] }],
    ['privateTopics that are not an array', { allow: true, privateTopics: ALICE }],
  ])('answers 500, subscribing nothing, when the hook answers %s', async (_, answer) => {
    const hub = await start({ authorize: () => answer as EventsAccess })
    const refused = await refusal(eventsUrl(hub, [ALICE]))
    expect(refused.status).toBe(500)
    expect(hub.app.stats().subscribers).toBe(0)
  })

  it('works without a subscriber key or a Mercure endpoint at all', async () => {
    const { authorize } = hook((topics) => topics.every((topic) => topic === ALICE))
    server = await startTestServer({ mercure: null, authorize })
    expect((await open(eventsUrl(server, [ALICE]))).response.status).toBe(200)
    expect((await refusal(eventsUrl(server, [BOB]))).status).toBe(403)
  })
})
