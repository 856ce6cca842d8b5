import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { mercurePublish, mintToken, SECRET } from '../helpers/mercure.js'
import { type PageServer, servePage } from '../helpers/page-server.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

// A page on another origin than the hub: the cookie only reaches the hub with withCredentials,
// and only if the hub's CORS answer allows credentials for that origin.
const PAGE = `<!doctype html><title>mercure</title><ul id="received"></ul><p id="state"></p>
<script>
  const hub = new URL(location.hash.slice(1))
  const source = new EventSource(hub, { withCredentials: true })
  source.onmessage = (e) => {
    const li = document.createElement('li')
    li.textContent = e.data
    document.getElementById('received').append(li)
  }
  source.onopen = () => { document.getElementById('state').textContent = 'open' }
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) document.getElementById('state').textContent = 'closed'
  }
</script>`

let browser: Browser
let hub: TestServer
let pageServer: PageServer

beforeAll(async () => {
  browser = await launchChromium()
  pageServer = await servePage(PAGE)
  hub = await startTestServer({ corsOrigins: [pageServer.origin], mercure: { jwtKey: SECRET } })
})

afterAll(async () => {
  await browser?.close()
  await hub?.close()
  await pageServer?.close()
})

async function openPage(context: BrowserContext) {
  const page = await context.newPage()
  const subscribeUrl = `${hub.url}/.well-known/mercure?topic=${encodeURIComponent('https://example.com/inbox/{user}')}`
  await page.goto(`${pageServer.origin}/#${subscribeUrl}`)
  return page
}

async function contextWithCookie(claims: { subscribe: string[] }) {
  const context = await browser.newContext()
  await context.addCookies([
    { name: 'mercureAuthorization', value: await mintToken(claims), url: hub.url, httpOnly: true },
  ])
  return context
}

describe('Mercure in Chromium: EventSource withCredentials and the mercureAuthorization cookie', () => {
  it('receives a private update the cookie allows, and another user does not', async () => {
    const alice = await contextWithCookie({ subscribe: ['https://example.com/inbox/alice'] })
    const bob = await contextWithCookie({ subscribe: ['https://example.com/inbox/bob'] })
    const alicePage = await openPage(alice)
    const bobPage = await openPage(bob)
    for (const page of [alicePage, bobPage]) {
      await page.locator('#state', { hasText: 'open' }).waitFor({ timeout: 10_000 })
    }
    const token = await mintToken({ publish: ['*'] })
    const published = await mercurePublish(
      hub.url,
      { topic: 'https://example.com/inbox/alice', data: 'for alice only', private: 'on' },
      { token },
    )
    expect(published.status).toBe(200)
    await mercurePublish(
      hub.url,
      { topic: 'https://example.com/inbox/bob', data: 'public note' },
      { token },
    )
    await expect
      .poll(() => alicePage.locator('#received li').allTextContents(), { timeout: 10_000 })
      .toEqual(['for alice only', 'public note'])
    await expect
      .poll(() => bobPage.locator('#received li').allTextContents(), { timeout: 10_000 })
      .toEqual(['public note'])
    await alice.close()
    await bob.close()
  }, 30_000)

  it('is refused without the cookie (the hub allows no anonymous subscribers here)', async () => {
    const context = await browser.newContext()
    const page = await openPage(context)
    await page.locator('#state', { hasText: 'closed' }).waitFor({ timeout: 10_000 })
    await context.close()
  }, 30_000)
})
