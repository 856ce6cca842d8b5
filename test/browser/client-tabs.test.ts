/**
 * Eight tabs of one origin in Debian's Chromium, each opening a stream to one hub over
 * HTTP/1.1. With the browser's EventSource the seventh and eighth wait, as does any other
 * request of the origin (six connections per host); with ssehub's client, loaded from the hub's
 * `/ssehub-client.js`, the tabs share one connection: each gets every event once, other
 * requests still answer, and when the holding tab closes another takes over, losing nothing.
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
  window.fetched = null
  window.start = async (mode, topic) => {
    window.received = []
    window.opened = false
    const Source = mode === 'native' ? EventSource : (await import('/ssehub-client.js')).EventSource
    window.source = new Source('/events?topic=' + topic)
    window.source.onopen = () => { window.opened = true }
    window.source.onmessage = (e) => { window.received.push(e.data) }
  }
  window.probe = () => {
    fetch('/healthz', { cache: 'no-store' }).then((r) => { window.fetched = r.status })
  }
</script>`

/** What a tab keeps on `window`. */
interface Tab {
  received: string[]
  opened: boolean
  fetched: number | null
  source: { readyState: number; close(): void }
  start(mode: 'native' | 'ssehub', topic: string): Promise<void>
  probe(): void
}
/** The tab's state, typed: callbacks run in the page, where the page defines `tab()` alike. */
const tab = () => window as unknown as Tab

let browser: Browser
let context: BrowserContext
let hub: TestServer
/** `Last-Event-ID` of each request for a topic, in order (null: none). */
const requests = new Map<string, Array<string | null>>()

beforeAll(async () => {
  browser = await launchChromium()
  hub = await startTestServer({ pages: { '/': PAGE } })
  hub.server.on('request', (request: IncomingMessage) => {
    const topic = new URL(request.url ?? '/', 'http://x').searchParams.get('topic')
    if (topic === null) return
    const id = request.headers['last-event-id']
    requests.set(topic, [...(requests.get(topic) ?? []), typeof id === 'string' ? id : null])
  })
  context = await browser.newContext()
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await hub?.close()
})

async function openTabs(count: number): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < count; i++) {
    const page = await context.newPage()
    await page.goto(`${hub.url}/`)
    pages.push(page)
  }
  return pages
}

const opened = (page: Page) => page.waitForFunction(() => tab().opened, null, { timeout: 10_000 })
const receivedOf = (page: Page) => page.evaluate(() => tab().received)
const waitReceived = (page: Page, count: number) =>
  page.waitForFunction((n) => tab().received.length >= n, count, { timeout: 10_000 })

describe('eight tabs of one origin streaming from one hub over HTTP/1.1', () => {
  it('starve with the browser EventSource; share one connection with ssehub/client', async () => {
    // Loaded before any stream starts: past six streams, even loading a page would wait.
    const pages = await openTabs(9)
    const streaming = pages.slice(0, 8)
    const ninth = pages[8] as Page

    // The browser's class: six streams open, the seventh and eighth never do while they last.
    for (const page of streaming.slice(0, 6)) {
      await page.evaluate(() => tab().start('native', 'native'))
      await opened(page)
    }
    for (const page of streaming.slice(6))
      await page.evaluate(() => tab().start('native', 'native'))
    await ninth.evaluate(() => tab().probe())
    await hub.app.hub.publish('native', { data: 'n1' })
    for (const page of streaming.slice(0, 6)) await waitReceived(page, 1)
    for (const page of streaming.slice(6)) {
      expect(await page.evaluate(() => [tab().source.readyState, tab().received.length])).toEqual([
        0, 0,
      ])
    }
    expect(await ninth.evaluate(() => tab().fetched)).toBeNull()
    expect(requests.get('native')).toHaveLength(6)
    // Three streams closed free three connections: the two waiting streams and the fetch go.
    for (const page of streaming.slice(0, 3)) await page.evaluate(() => tab().source.close())
    for (const page of streaming.slice(6)) await opened(page)
    await ninth.waitForFunction(() => tab().fetched === 200, null, { timeout: 10_000 })
    for (const page of streaming.slice(3)) await page.evaluate(() => tab().source.close())

    // ssehub/client from /ssehub-client.js: the first tab holds the one connection.
    await ninth.evaluate(() => {
      tab().fetched = null
    })
    for (const page of streaming) {
      await page.evaluate(() => tab().start('ssehub', 'shared'))
      await opened(page)
    }
    expect(requests.get('shared')).toEqual([null])
    const ids: string[] = []
    for (const data of ['s1', 's2', 's3'])
      ids.push((await hub.app.hub.publish('shared', { data })).id)
    for (const page of streaming) await waitReceived(page, 3)
    for (const page of streaming) expect(await receivedOf(page)).toEqual(['s1', 's2', 's3'])
    await ninth.evaluate(() => tab().probe())
    await ninth.waitForFunction(() => tab().fetched === 200, null, { timeout: 10_000 })

    // The holder's tab closes: another takes over, resuming after s3; s4 comes meanwhile.
    await (streaming[0] as Page).close()
    const rest = streaming.slice(1)
    await hub.app.hub.publish('shared', { data: 's4' })
    for (const page of rest) await waitReceived(page, 4)
    expect(requests.get('shared')).toEqual([null, ids[2]])
    await hub.app.hub.publish('shared', { data: 's5' })
    for (const page of rest) await waitReceived(page, 5)
    for (const page of rest) {
      expect(await receivedOf(page)).toEqual(['s1', 's2', 's3', 's4', 's5'])
    }
  }, 90_000)
})
