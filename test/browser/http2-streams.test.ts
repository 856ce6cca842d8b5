import type { IncomingMessage } from 'node:http'
import type { Http2SecureServer } from 'node:http2'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../../src/adapters/node.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import { launchChromium } from '../helpers/browser.js'
import { makeTestCertificate } from '../helpers/tls.js'

const STREAMS = 10

const certificate = makeTestCertificate()
let browser: Browser
let app: HubApp
let hub: RunningServer<Http2SecureServer> | undefined
const eventStreamVersions: string[] = []
let sessions = 0

beforeAll(async () => {
  // Trusted the way an operator's own CA would be, by its key: no certificate error is skipped.
  browser = await launchChromium([
    `--ignore-certificate-errors-spki-list=${certificate.spkiSha256}`,
  ])
  app = createHubApp({ corsOrigins: [] })
  const { cert, key } = certificate
  const running = await listen(app, {
    port: 0,
    host: '127.0.0.1',
    closeTimeoutMs: 100,
    tls: { cert, key },
  })
  running.server.on('session', () => sessions++)
  running.server.on('request', (req: IncomingMessage) => {
    if (req.url?.startsWith('/events') === true) eventStreamVersions.push(req.httpVersion)
  })
  hub = running
})

afterAll(async () => {
  await browser?.close()
  await hub?.close()
  certificate.remove()
})

describe('Chromium over HTTP/2', () => {
  it(`holds ${STREAMS} EventSource streams to one origin at once, each receiving`, async () => {
    const page = await browser.newPage()
    await page.goto(`${hub?.url}/healthz`)
    const protocol = await page.evaluate(
      () =>
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
          .nextHopProtocol,
    )
    expect(protocol).toBe('h2')
    // Over HTTP/1.1 the seventh would wait for one of the six connections a host gets.
    await page.evaluate((count) => {
      const state = { open: 0, received: [] as string[] }
      ;(window as unknown as { state: typeof state }).state = state
      for (let n = 0; n < count; n++) {
        const source = new EventSource(`/events?topic=t${n}&topic=all`)
        source.onopen = () => state.open++
        source.onmessage = (event) => state.received.push(`${n}:${event.data}`)
      }
    }, STREAMS)
    await page.waitForFunction(
      (count) => (window as unknown as { state: { open: number } }).state.open === count,
      STREAMS,
    )
    await app.hub.publish('all', { data: 'to every tab' })
    await page.waitForFunction(
      (count) =>
        (window as unknown as { state: { received: string[] } }).state.received.length === count,
      STREAMS,
    )
    const received = await page.evaluate(
      () => (window as unknown as { state: { received: string[] } }).state.received,
    )
    expect(received.sort()).toEqual(
      Array.from({ length: STREAMS }, (_, n) => `${n}:to every tab`).sort(),
    )
    expect(eventStreamVersions).toEqual(Array(STREAMS).fill('2.0'))
    expect(sessions).toBe(1)
    expect(hub?.stats().connections).toBe(1)
    expect(app.stats().streams).toBe(STREAMS)
    await page.close()
  }, 30_000)
})
