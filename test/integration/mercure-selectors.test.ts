import { afterEach, describe, expect, it } from 'vitest'
import type { MercureOptions } from '../../src/mercure/options.js'
import { recordEventSource } from '../helpers/event-source.js'
import { mercurePublish, mercureUrl, mintToken, SECRET } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer
const closers: Array<{ close(): void }> = []

async function start(mercure: MercureOptions = {}) {
  server = await startTestServer({ mercure: { jwtKey: SECRET, anonymous: true, ...mercure } })
}
afterEach(async () => {
  for (const c of closers.splice(0)) c.close()
  await server.close()
})

async function subscribe(selectors: string[]) {
  const es = recordEventSource(mercureUrl(server.url, selectors))
  closers.push(es)
  await es.waitForOpen()
  return es
}

async function publish(topic: string, data: string) {
  const token = await mintToken({ publish: ['*'] })
  const { status } = await mercurePublish(server.url, { topic, data }, { token })
  expect(status).toBe(200)
}

/** The status and body of a subscribe request, its stream dropped at once. */
async function subscribeStatus(selectors: string[], token?: string) {
  const controller = new AbortController()
  const response = await fetch(mercureUrl(server.url, selectors), {
    signal: controller.signal,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  const body = response.status === 200 ? '' : await response.text()
  controller.abort()
  return { status: response.status, body }
}

const sixteenX = '{x}'.repeat(16)

describe('Mercure selectors: matching that cannot backtrack (ssehub issue 20)', () => {
  it('keeps delivering to others while anonymous templates meet their worst topics', async () => {
    await start()
    const commas = await subscribe(['{a,b,c,d,e,f,g,h}'])
    const expressions = await subscribe([sixteenX])
    const other = await subscribe(['https://example.com/orders'])
    // The longest topic a publisher may send, and the ordinary topic of the issue.
    await publish(`${'a,'.repeat(1023)}!`, 'worst for the commas')
    await publish('orders-eu-west-1:created', 'worst for the expressions')
    await publish('https://example.com/orders', 'for the other')
    const [event] = await other.waitForEvents(1)
    expect(event?.data).toBe('for the other')
    // Neither template matched those topics; both match these two, received in order.
    await publish('a,b', 'commas')
    await publish('orders-eu-west-1-created', 'dashes')
    for (const es of [commas, expressions]) {
      expect((await es.waitForEvents(2)).map((e) => e.data)).toEqual(['commas', 'dashes'])
    }
  })
})

describe('Mercure selectors: limits per subscription', () => {
  it('takes 64 `topic` selectors and answers 400 to 65, before subscribing', async () => {
    await start()
    const topics = Array.from({ length: 65 }, (_, i) => `https://example.com/t/${i}`)
    expect((await subscribeStatus(topics.slice(0, 64))).status).toBe(200)
    const refused = await subscribeStatus(topics)
    expect(refused.status).toBe(400)
    expect(refused.body).toMatch(/at most 64 `topic` selectors per subscription, got 65/)
  })

  it('takes templates of 1,024 characters and 16 expressions, and refuses more with 400', async () => {
    await start()
    const long = `https://example.com/{id}/${'a'.repeat(1024 - 25)}`
    expect(long).toHaveLength(1024)
    expect((await subscribeStatus([long])).status).toBe(200)
    const tooLong = await subscribeStatus([`${long}b`])
    expect(tooLong.status).toBe(400)
    expect(tooLong.body).toMatch(/URI template of 1025 characters, more than the 1024 allowed/)
    // A plain topic is looked up, not matched: the topic limit (2,048) is its only one.
    expect((await subscribeStatus([`https://example.com/${'a'.repeat(1500)}`])).status).toBe(200)
    expect((await subscribeStatus([sixteenX])).status).toBe(200)
    const tooMany = await subscribeStatus([`${sixteenX}{x}`])
    expect(tooMany.status).toBe(400)
    expect(tooMany.body).toMatch(/URI template of 17 expressions, more than the 16 allowed/)
  })

  it('applies limits set in the options', async () => {
    await start({ maxSelectors: 2, maxTemplateExpressions: 1, maxTemplateLength: 30 })
    expect((await subscribeStatus(['a', 'b', 'c'])).status).toBe(400)
    expect((await subscribeStatus(['a', '/b/{x}{y}'])).status).toBe(400)
    expect((await subscribeStatus([`/${'b'.repeat(30)}{x}`])).status).toBe(400)
    expect((await subscribeStatus(['a', '/b/{x}'])).status).toBe(200)
  })
})

describe('Mercure selectors: limits on JWS claims', () => {
  const many = Array.from({ length: 1025 }, (_, i) => String(i))

  it('takes a mercure.subscribe of 1,024 selectors and answers 400 to more', async () => {
    await start()
    const fits = await mintToken({ subscribe: many.slice(0, 1024) })
    expect((await subscribeStatus(['a'], fits)).status).toBe(200)
    const refused = await subscribeStatus(['a'], await mintToken({ subscribe: many }))
    expect(refused.status).toBe(400)
    expect(refused.body).toMatch(/`mercure.subscribe` may list at most 1024 selectors, got 1025/)
  })

  it('answers 400 to a claim whose template has too many expressions, to subscribe or publish', async () => {
    await start()
    const template = `${sixteenX}{x}`
    const subscriber = await mintToken({ subscribe: [template] })
    const subscribed = await subscribeStatus(['a'], subscriber)
    expect(subscribed.status).toBe(400)
    expect(subscribed.body).toMatch(
      /selector of the JWS claim `mercure.subscribe` is a URI template of 17 expressions/,
    )
    const publisher = await mintToken({ publish: [template] })
    const published = await mercurePublish(
      server.url,
      { topic: 'a', data: 'x' },
      { token: publisher },
    )
    expect(published.status).toBe(400)
    expect(published.body).toMatch(/`mercure.publish` is a URI template of 17 expressions/)
  })

  it('checks the claim of a reader of the subscriptions API', async () => {
    await start({ subscriptions: true })
    const reader = await mintToken({ subscribe: [...many] })
    const response = await fetch(`${server.url}/.well-known/mercure/subscriptions`, {
      headers: { authorization: `Bearer ${reader}` },
    })
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/`mercure.subscribe` may list at most 1024/)
  })
})
