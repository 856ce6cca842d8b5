import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../../src/adapters/node.js'
import { createHubApp } from '../../src/app/app.js'
import { launchChromium } from '../helpers/browser.js'
import { type PageServer, servePage } from '../helpers/page-server.js'
import { type RawConnection, rawConnect } from '../helpers/raw-http.js'

// On another origin than the hub, with credentials: the strictest case for reading a refusal.
const PAGE = `<!doctype html><title>limit</title>
<script>
  window.states = []
  const source = new EventSource(new URL(location.hash.slice(1)), { withCredentials: true })
  source.onopen = () => window.states.push('open')
  source.onerror = () => window.states.push(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting')
</script>`

let browser: Browser
let hub: RunningServer
let pageServer: PageServer
let filler: RawConnection

beforeAll(async () => {
  browser = await launchChromium()
  const app = createHubApp({ corsOrigins: [] })
  hub = await listen(app, { port: 0, host: '127.0.0.1', closeTimeoutMs: 100, maxConnections: 1 })
  filler = await rawConnect(hub.port)
  filler.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
  await filler.waitFor(/^HTTP\/1\.1 200 /)
  pageServer = await servePage(PAGE)
})

afterAll(async () => {
  filler?.socket.destroy()
  await browser?.close()
  await hub?.close()
  await pageServer?.close()
})

describe('Chromium EventSource past the connection limit', () => {
  it('is refused in a way it survives: it will reconnect, not give up', async () => {
    const page = await browser.newPage()
    await page.goto(`${pageServer.origin}/#${hub.url}/events?topic=t`)
    await page.waitForFunction(() =>
      (window as unknown as { states: string[] }).states.some((s) => s !== 'open'),
    )
    const states = await page.evaluate(() => (window as unknown as { states: string[] }).states)
    expect(states).toEqual(['open', 'reconnecting'])
    expect(hub.stats().refusedOverMaxConnections).toBe(1)
    await page.close()
  }, 30_000)
})
