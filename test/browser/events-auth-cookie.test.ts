import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { mintToken, SECRET } from '../helpers/mercure.js'
import { type PageServer, servePage } from '../helpers/page-server.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = '/users/alice/notifications'
const BOB = '/users/bob/notifications'

// The browser's own EventSource on GET /events; the hub's URL and the topic come in the hash.
// `withCredentials` makes a page of another origin send the hub's cookie (and needs the hub's
// CORS answer to allow credentials for that origin); on the hub's own origin it changes nothing.
const PAGE = `<!doctype html><title>notifications</title><ul id="received"></ul><p id="state"></p>
<script>
  const [hub, topic] = JSON.parse(decodeURIComponent(location.hash.slice(1)))
  const source = new EventSource(hub + '/events?topic=' + encodeURIComponent(topic), { withCredentials: true })
  const state = document.getElementById('state')
  source.onmessage = (e) => {
    const li = document.createElement('li')
    li.textContent = e.data
    document.getElementById('received').append(li)
  }
  source.onopen = () => { state.textContent = 'open' }
  source.onerror = () => { state.textContent = source.readyState === EventSource.CLOSED ? 'closed' : 'retrying' }
</script>`

let browser: Browser
let hub: TestServer
let pageServer: PageServer

beforeAll(async () => {
  browser = await launchChromium()
  pageServer = await servePage(PAGE)
  // The hub serves the page at / too, for a page of its own origin.
  hub = await startTestServer({
    corsOrigins: [pageServer.origin],
    mercure: { jwtKey: SECRET },
    publicTopics: ['announcements'],
    pages: { '/': PAGE },
  })
})

afterAll(async () => {
  await browser?.close()
  await hub?.close()
  await pageServer?.close()
})

/** A browser profile holding, for the hub's origin, the cookie of a token for `topics`. */
async function signedIn(topics: string[]): Promise<BrowserContext> {
  const context = await browser.newContext()
  const token = await mintToken({ subscribe: topics })
  await context.addCookies([
    {
      name: 'mercureAuthorization',
      value: token,
      url: hub.url,
      httpOnly: true,
      sameSite: 'Strict',
    },
  ])
  return context
}

async function openPage(context: BrowserContext, origin: string, topic: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${origin}/#${encodeURIComponent(JSON.stringify([hub.url, topic]))}`)
  return page
}

const received = (page: Page) => page.locator('#received li').allTextContents()
const state = (page: Page, text: string) =>
  page.locator('#state', { hasText: text }).waitFor({ timeout: 10_000 })

describe('GET /events in Chromium: the cookie authorizes the native EventSource', () => {
  it.each([
    ['a page of another origin (withCredentials, CORS)', () => pageServer.origin],
    ["a page of the hub's own origin", () => hub.url],
  ])(
    "receives the user's own topic on %s",
    async (_, origin) => {
      const alice = await signedIn([ALICE])
      const page = await openPage(alice, origin(), ALICE)
      await state(page, 'open')
      await hub.app.hub.publish(ALICE, { data: 'for alice' })
      await expect.poll(() => received(page), { timeout: 10_000 }).toEqual(['for alice'])
      await alice.close()
    },
    30_000,
  )

  it("fails with an error event and no data when the user asks for another user's topic", async () => {
    const alice = await signedIn([ALICE])
    const page = await openPage(alice, pageServer.origin, BOB)
    // A 403 is final for EventSource: it closes rather than retries.
    await state(page, 'closed')
    await hub.app.hub.publish(BOB, { data: 'for bob only' })
    // Bob's own page receives it: the refusal is no accident of delivery.
    const bob = await signedIn([BOB])
    const bobPage = await openPage(bob, pageServer.origin, BOB)
    await state(bobPage, 'open')
    await hub.app.hub.publish(BOB, { data: 'for bob, again' })
    await expect.poll(() => received(bobPage), { timeout: 10_000 }).toEqual(['for bob, again'])
    expect(await received(page)).toEqual([])
    await alice.close()
    await bob.close()
  }, 30_000)

  it('fails without the cookie, and opens a public topic without one', async () => {
    const context = await browser.newContext()
    const refused = await openPage(context, pageServer.origin, ALICE)
    await state(refused, 'closed')
    const open = await openPage(context, pageServer.origin, 'announcements')
    await state(open, 'open')
    await hub.app.hub.publish('announcements', { data: 'for everyone' })
    await expect.poll(() => received(open), { timeout: 10_000 }).toEqual(['for everyone'])
    expect(await received(refused)).toEqual([])
    await context.close()
  }, 30_000)
})
