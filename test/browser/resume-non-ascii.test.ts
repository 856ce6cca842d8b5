import type { Socket } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HISTORY_GAP_EVENT } from '../../src/http/events-route.js'
import { launchChromium } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

// Served by the hub itself (the demo page option), so the EventSource is same-origin.
const PAGE = `<!doctype html><title>resume</title>
<script>
  window.received = []
  window.gaps = 0
  window.opens = 0
  const source = new EventSource('/events?topic=t')
  source.onopen = () => { window.opens++ }
  source.onmessage = (e) => { window.received.push(e.lastEventId + ' ' + e.data) }
  source.addEventListener('${HISTORY_GAP_EVENT}', () => { window.gaps++ })
</script>`

let browser: Browser
let hub: TestServer
const sockets = new Set<Socket>()

beforeAll(async () => {
  browser = await launchChromium()
  hub = await startTestServer({ pages: { '/': PAGE }, retryMs: 100 })
  hub.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
})

afterAll(async () => {
  await browser?.close()
  await hub?.close()
})

/** What the page has seen, on `window`. */
interface PageState {
  received: string[]
  gaps: number
  opens: number
}

describe('Chromium EventSource', () => {
  it('resumes after a non-ASCII id with no event twice and no gap', async () => {
    const page = await browser.newPage()
    const state = () =>
      page.evaluate(() => {
        const { received, gaps, opens } = window as unknown as PageState
        return { received, gaps, opens }
      })
    await page.goto(`${hub.url}/`)
    await page.waitForFunction(() => (window as unknown as PageState).opens === 1)
    await hub.app.hub.publish('t', { data: 'one', id: 'naïve-☃-1' })
    await page.waitForFunction(() => (window as unknown as PageState).received.length === 1)
    // Cut every connection: the EventSource reconnects with `Last-Event-ID: naïve-☃-1`.
    for (const socket of sockets) socket.destroy()
    await hub.app.hub.publish('t', { data: 'two', id: 'naïve-☃-2' })
    await page.waitForFunction(() => (window as unknown as PageState).opens === 2)
    await hub.app.hub.publish('t', { data: 'three', id: 'naïve-☃-3' })
    await page.waitForFunction(() =>
      (window as unknown as PageState).received.some((r) => r.endsWith(' three')),
    )
    const { received, gaps } = await state()
    expect(received).toEqual(['naïve-☃-1 one', 'naïve-☃-2 two', 'naïve-☃-3 three'])
    expect(gaps).toBe(0)
    await page.close()
  }, 30_000)
})
