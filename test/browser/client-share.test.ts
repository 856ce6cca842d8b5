/**
 * How ssehub/client shares a stream among the tabs of one origin, in Debian's Chromium: which
 * tabs share (same URL and init), how one opts out, what a lock's name reveals, and a takeover
 * when the holder calls close().
 */
import type { IncomingMessage } from 'node:http'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

// Served by the hub itself (the demo page option): the tabs and the hub share one origin.
const PAGE = `<!doctype html><title>tab</title>
<script>
  window.tab = () => window
  window.received = []
  window.opened = false
  window.start = async (topic, init) => {
    const { EventSource } = await import('/ssehub-client.js')
    window.source = new EventSource('/events?topic=' + topic, init)
    window.source.onopen = () => { window.opened = true }
    window.source.onmessage = (e) => { window.received.push(e.data) }
  }
  window.iterate = async (topic, lastEventId, count) => {
    const { events } = await import('/ssehub-client.js')
    const controller = new AbortController()
    window.iterated = []
    const init = { lastEventId, signal: controller.signal }
    for await (const event of events('/events?topic=' + topic, init)) {
      window.iterated.push(event.data)
      if (window.iterated.length === count) controller.abort()
    }
    window.iterationDone = true
  }
</script>`

/** What a tab keeps on `window`. */
interface Tab {
  received: string[]
  opened: boolean
  iterated: string[]
  iterationDone: boolean
  source: { readyState: number; close(): void }
  start(topic: string, init?: Record<string, unknown>): Promise<void>
  iterate(topic: string, lastEventId: string, count: number): Promise<void>
}
/** The tab's state, typed: callbacks run in the page, where the page defines `tab()` alike. */
const tab = () => window as unknown as Tab

let browser: Browser
let context: BrowserContext
let hub: TestServer
/** Per topic, each request's `Last-Event-ID` (null: none) and `Authorization`. */
const requests = new Map<string, Array<{ lastEventId: string | null; auth: string | null }>>()

beforeAll(async () => {
  browser = await launchChromium()
  hub = await startTestServer({ pages: { '/': PAGE } })
  hub.server.on('request', (request: IncomingMessage) => {
    const topic = new URL(request.url ?? '/', 'http://x').searchParams.get('topic')
    if (topic === null) return
    const header = (name: string) => {
      const value = request.headers[name]
      return typeof value === 'string' ? value : null
    }
    const list = requests.get(topic) ?? []
    list.push({ lastEventId: header('last-event-id'), auth: header('authorization') })
    requests.set(topic, list)
  })
  context = await browser.newContext()
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await hub?.close()
})

async function openTab(): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${hub.url}/`)
  return page
}

/** Opens a tab and starts a stream there; resolves once it is open. */
async function tabStreaming(topic: string, init: Record<string, unknown> = {}): Promise<Page> {
  const page = await openTab()
  await page.evaluate(([t, i]) => tab().start(t, i), [topic, init] as const)
  await page.waitForFunction(() => tab().opened, null, { timeout: 10_000 })
  return page
}

const waitReceived = (page: Page, count: number) =>
  page.waitForFunction((n) => tab().received.length >= n, count, { timeout: 10_000 })

describe('ssehub/client sharing among tabs', () => {
  it('opens a connection per tab with share: false', async () => {
    const pages = [
      await tabStreaming('own', { share: false }),
      await tabStreaming('own', { share: false }),
    ]
    expect(requests.get('own')).toHaveLength(2)
    await hub.app.hub.publish('own', { data: 'x' })
    for (const page of pages) await waitReceived(page, 1)
    for (const page of pages) await page.close()
  })

  it('shares only among the same headers, and names the share without them', async () => {
    const a1 = await tabStreaming('auth', { headers: { authorization: 'Bearer secret-a' } })
    const b = await tabStreaming('auth', { headers: { authorization: 'Bearer secret-b' } })
    const a2 = await tabStreaming('auth', { headers: { authorization: 'Bearer secret-a' } })
    expect(requests.get('auth')?.map((r) => r.auth)).toEqual(['Bearer secret-a', 'Bearer secret-b'])
    const names = await a2.evaluate(async () => {
      const { held = [], pending = [] } = await navigator.locks.query()
      return [...held, ...pending].map((lock) => lock.name ?? '')
    })
    expect(names.length).toBeGreaterThanOrEqual(3)
    for (const name of names) {
      expect(name).toMatch(/^ssehub:[0-9a-f]{32}$/)
      expect(name).not.toContain('secret')
    }
    await hub.app.hub.publish('auth', { data: 'y' })
    for (const page of [a1, b, a2]) await waitReceived(page, 1)
    for (const page of [a1, b, a2]) await page.close()
  })

  it('hands the stream over when the holder calls close(), resuming after its last id', async () => {
    const holder = await tabStreaming('handover')
    const follower = await tabStreaming('handover')
    const first = await hub.app.hub.publish('handover', { data: 'h1' })
    await waitReceived(follower, 1)
    await holder.evaluate(() => tab().source.close())
    await hub.app.hub.publish('handover', { data: 'h2' })
    await waitReceived(follower, 2)
    expect(await follower.evaluate(() => tab().received)).toEqual(['h1', 'h2'])
    expect(await holder.evaluate(() => [tab().received, tab().source.readyState])).toEqual([
      ['h1'],
      2,
    ])
    expect(requests.get('handover')?.map((r) => r.lastEventId)).toEqual([null, first.id])
    for (const page of [holder, follower]) await page.close()
  })

  it('ignores messages of another shape on the share channel, and throws nothing', async () => {
    const holder = await tabStreaming('shapes')
    const follower = await tabStreaming('shapes')
    const errors: string[] = []
    for (const page of [holder, follower])
      page.on('pageerror', (error) => errors.push(error.message))
    const hostile = await openTab()
    const channels = await hostile.evaluate(async () => {
      const { held = [], pending = [] } = await navigator.locks.query()
      const names = new Set([...held, ...pending].map((lock) => lock.name ?? ''))
      const shapes: unknown[] = [
        null,
        42,
        'text',
        [],
        { t: 'event' },
        { t: 'event', event: null, origin: 'x' },
        { t: 'event', event: [], origin: 'x' },
        { t: 'event', event: { event: 1, data: 'd', lastEventId: '' }, origin: 'x' },
        { t: 'open', id: 5 },
        { t: 'error', closed: 'yes', message: 'm' },
        { t: 'error', closed: true },
        { t: 'unknown' },
        new Map([['t', 'event']]),
        { t: { toString: null } },
      ]
      for (const name of names) {
        const channel = new BroadcastChannel(name)
        for (const shape of shapes) channel.postMessage(shape)
        // A flood of hellos: each is answered, none is kept.
        for (let n = 0; n < 1000; n++) channel.postMessage({ t: 'hello' })
        channel.close()
      }
      return names.size
    })
    // The holder's lock and the follower's request: one name, the channel's.
    expect(channels).toBe(1)
    await hub.app.hub.publish('shapes', { data: 'real' })
    for (const page of [holder, follower]) await waitReceived(page, 1)
    for (const page of [holder, follower]) {
      expect(await page.evaluate(() => [tab().received, tab().source.readyState])).toEqual([
        ['real'],
        1,
      ])
    }
    expect(errors).toEqual([])
    for (const page of [holder, follower, hostile]) await page.close()
  })

  it('streams alone in an opaque origin (a sandboxed frame), where Web Locks refuse', async () => {
    const page = await openTab()
    const html = `<script type="module">
      window.received = []
      const { EventSource } = await import('${hub.url}/ssehub-client.js')
      const source = new EventSource('${hub.url}/events?topic=opaque')
      source.onopen = () => { window.opened = true }
      source.onmessage = (e) => { window.received.push(e.data) }
    </script>`
    await page.evaluate((srcdoc) => {
      const frame = document.createElement('iframe')
      frame.setAttribute('sandbox', 'allow-scripts')
      frame.srcdoc = srcdoc
      document.body.append(frame)
    }, html)
    const frame = await (await page.waitForSelector('iframe')).contentFrame()
    if (frame === null) throw new Error('no frame')
    const locks = await frame.evaluate(() => navigator.locks.query().then(() => 'granted', String))
    expect(locks).toMatch(/SecurityError/)
    // Read off `window` itself: the frame's script may not have run yet when these start.
    await frame.waitForFunction(() => (window as Partial<Tab>).opened === true, null, {
      timeout: 10_000,
    })
    await hub.app.hub.publish('opaque', { data: 'o1' })
    await frame.waitForFunction(() => (window as Partial<Tab>).received?.length === 1, null, {
      timeout: 10_000,
    })
    await page.close()
  })

  it('serves events() in a page, resuming after lastEventId, ending when its signal aborts', async () => {
    const page = await openTab()
    const start = await hub.app.hub.publish('iterated', { data: 'i0' })
    await hub.app.hub.publish('iterated', { data: 'i1' })
    await hub.app.hub.publish('iterated', { data: 'i2' })
    await page.evaluate(([id]) => tab().iterate('iterated', id, 2), [start.id] as const)
    expect(await page.evaluate(() => [tab().iterated, tab().iterationDone])).toEqual([
      ['i1', 'i2'],
      true,
    ])
    await page.close()
  })
})
