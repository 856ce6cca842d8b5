/**
 * A page of another origin, allowed by the hub's CORS list, loads `/ssehub-client.js` from the
 * hub as a module script and streams with an `Authorization` header (a preflighted request),
 * in Debian's Chromium. A page of an origin not on the list cannot load it.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

// The hub's URL comes in the fragment; the module's outcome lands on `window`.
const PAGE = `<!doctype html><title>other origin</title>
<script type="module">
  window.state = () => window
  const hub = location.hash.slice(1)
  window.received = []
  try {
    const { EventSource } = await import(hub + '/ssehub-client.js')
    const source = new EventSource(hub + '/events?topic=t', {
      headers: { authorization: 'Bearer page-token' },
    })
    source.onopen = () => { window.opened = true }
    source.onmessage = (e) => { window.received.push(e.data + ' ' + e.origin) }
  } catch (error) {
    window.loadError = String(error)
  }
</script>`

interface PageState {
  opened?: boolean
  loadError?: string
  received: string[]
}
/** The page's state, typed: callbacks run in the page, where the page defines `state()` alike. */
const state = () => window as unknown as PageState

let browser: Browser
let hub: TestServer
let pages: Server
let pagesOrigin: string
let authorizations: string[] = []

beforeAll(async () => {
  browser = await launchChromium()
  pages = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
  })
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve))
  pagesOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
  hub = await startTestServer({ corsOrigins: [pagesOrigin] })
  hub.server.on('request', (request) => {
    if (request.url?.startsWith('/events') && request.headers.authorization !== undefined) {
      authorizations.push(request.headers.authorization)
    }
  })
})

afterAll(async () => {
  await browser?.close()
  await hub?.close()
  pages?.close()
})

describe('ssehub/client loaded by a page of another origin', () => {
  it('loads from the hub and streams with an Authorization header, when CORS allows it', async () => {
    authorizations = []
    const page = await browser.newPage()
    await page.goto(`${pagesOrigin}/#${hub.url}`)
    await page.waitForFunction(
      () => state().opened === true || state().loadError !== undefined,
      null,
      {
        timeout: 10_000,
      },
    )
    expect(await page.evaluate(() => state().loadError)).toBeUndefined()
    await hub.app.hub.publish('t', { data: 'hello' })
    await page.waitForFunction(() => state().received.length === 1, null, { timeout: 10_000 })
    expect(await page.evaluate(() => state().received)).toEqual([`hello ${hub.url}`])
    expect(authorizations).toEqual(['Bearer page-token'])
    await page.close()
  })

  it('does not load for a page of an origin the hub does not allow', async () => {
    const other = await startTestServer({ corsOrigins: ['http://allowed.example'] })
    try {
      const page = await browser.newPage()
      await page.goto(`${pagesOrigin}/#${other.url}`)
      await page.waitForFunction(() => state().loadError !== undefined, null, { timeout: 10_000 })
      expect(await page.evaluate(() => state().loadError)).toMatch(/TypeError/)
      await page.close()
    } finally {
      await other.close()
    }
  })
})
