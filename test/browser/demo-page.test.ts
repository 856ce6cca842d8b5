/**
 * The demo page at `/` (`ssehub serve --demo`), in Chromium: the five uses fed by real events,
 * two browsers at once, the CLI publishing, reload, a killed connection, a server restart.
 * Screenshots at desktop and phone width go to test-results/ (git-ignored), for a person to
 * look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { runCli } from '../helpers/cli.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url))
const WAIT = { timeout: 15_000 }

let browser: Browser
let server: ServerProcess | undefined
let dir: string
const contexts: BrowserContext[] = []

beforeAll(async () => {
  browser = await launchChromium()
  dir = mkdtempSync(join(tmpdir(), 'ssehub-demo-'))
  mkdirSync(SCREENSHOTS, { recursive: true })
})

afterAll(async () => {
  server?.child.kill('SIGKILL')
  for (const context of contexts) await context.close()
  await browser?.close()
  rmSync(dir, { recursive: true, force: true })
})

// The history in a file, so that a restarted server still knows the page's last event id.
const serverArgs = () => ['--demo', '--history-file', join(dir, 'history.mdb')]

async function openPage(width = 1280, height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${server?.url}/`)
  await page.locator('#badge[data-state="live"]').waitFor(WAIT)
  return page
}

const section = (page: Page, name: string) => page.getByRole('region', { name, exact: true })
const chatText = (page: Page) => page.locator('#chat-log').textContent()
const pointsOf = (page: Page, id: string) =>
  page.locator(`#${id}`).evaluate((line) => line.getAttribute('points')?.split(' ').length ?? 0)

describe('the demo page at / (ssehub serve --demo)', () => {
  let alice: Page
  let bob: Page

  it('names each use by a heading, and shows the clock', async () => {
    server = await spawnServer(serverArgs())
    alice = await openPage()
    for (const name of ['Clock', 'Notifications', 'Dashboard', 'Stocks', 'Chat']) {
      await expect.poll(() => section(alice, name).count()).toBe(1)
    }
    await expect
      .poll(() => alice.locator('#clock-text').textContent(), WAIT)
      .toMatch(/^Server time is \S/)
  }, 60_000)

  it("streams through ssehub's own client, loaded from /ssehub-client.js", async () => {
    const context = await browser.newContext()
    contexts.push(context)
    const page = await context.newPage()
    const requests: Array<{ path: string; type: string }> = []
    page.on('request', (request) => {
      requests.push({ path: new URL(request.url()).pathname, type: request.resourceType() })
    })
    await page.goto(`${server?.url}/`)
    await page.locator('#badge[data-state="live"]').waitFor(WAIT)
    expect(requests.map((r) => r.path)).toContain('/ssehub-client.js')
    // The client reads the stream with fetch; the browser's own EventSource is not used.
    expect(requests.filter((r) => r.path === '/events').map((r) => r.type)).toEqual(['fetch'])
    await context.close()
    contexts.pop()
  }, 30_000)

  it('moves the dashboard and the ticker by themselves', async () => {
    await expect.poll(() => pointsOf(alice, 'p-connections'), WAIT).toBeGreaterThanOrEqual(3)
    await expect.poll(() => alice.locator('#ticker tr').count(), WAIT).toBe(12)
    const first = alice.locator('#ticker tr').first().locator('.price')
    const before = await first.textContent()
    await expect.poll(() => first.textContent(), WAIT).not.toBe(before)
    expect(await alice.locator('#v-connections').textContent()).toMatch(/^\d+$/)
  }, 60_000)

  it('shows a chat message sent in one browser in another', async () => {
    bob = await openPage()
    await alice.getByLabel('Name').fill('alice')
    await alice.getByRole('textbox', { name: 'Message' }).fill('hello from alice')
    await alice.getByRole('button', { name: 'Send', exact: true }).click()
    await expect.poll(() => chatText(bob), WAIT).toContain('hello from alice')
    await expect.poll(() => chatText(alice), WAIT).toContain('hello from alice')
  }, 60_000)

  it('shows a chat message published with curl in that JSON form', async () => {
    const response = await fetch(`${server?.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        topic: 'chat',
        data: JSON.stringify({ user: 'curl', text: 'hi all' }),
      }),
    })
    expect(response.status).toBe(200)
    await expect.poll(() => chatText(bob), WAIT).toContain('hi all')
  }, 30_000)

  it('shows a notification published from the CLI as a toast', async () => {
    const run = await runCli([
      'publish',
      'notifications',
      'Deploy finished (from the CLI)',
      '--url',
      server?.url as string,
    ])
    expect(run.code).toBe(0)
    await alice
      .locator('#toasts .toast', { hasText: 'Deploy finished (from the CLI)' })
      .waitFor(WAIT)
  }, 30_000)

  it('keeps the chat on reload', async () => {
    await bob.reload()
    await bob.locator('#badge[data-state="live"]').waitFor(WAIT)
    await expect.poll(() => chatText(bob), WAIT).toContain('hello from alice')
    expect(await chatText(bob)).toContain('hi all')
  }, 30_000)

  it('resumes without loss after "Kill the connection"', async () => {
    await alice.getByRole('button', { name: 'Kill the connection' }).click()
    await alice.locator('#badge[data-state="reconnecting"]').waitFor(WAIT)
    expect(await alice.locator('#badge').textContent()).toMatch(/^reconnecting in \d+ s$/)
    await alice.locator('#badge[data-state="live"]').waitFor(WAIT)
    // Published while the page was away: it comes back in the replay.
    await alice.locator('#toasts .toast', { hasText: 'was disconnected' }).waitFor(WAIT)
  }, 30_000)

  it('keeps the ticker current on a slow network (per-key conflation)', async () => {
    await alice.getByLabel(/Slow network/).check()
    await alice.locator('#badge[data-state="live"]').waitFor(WAIT)
    const first = alice.locator('#ticker tr').first().locator('.price')
    const before = await first.textContent()
    await expect.poll(() => first.textContent(), WAIT).not.toBe(before)
    await expect
      .poll(() => alice.locator('#clock-text').textContent(), WAIT)
      .toMatch(/^Server time is/)
    await alice.getByLabel(/Slow network/).uncheck()
    await alice.locator('#badge[data-state="live"]').waitFor(WAIT)
  }, 60_000)

  it('fits a phone and a desktop, light and dark, without horizontal scrolling', async () => {
    for (const [name, width, height] of [
      ['desktop', 1280, 900],
      ['phone', 390, 844],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({
          viewport: { width, height },
          colorScheme: scheme,
        })
        contexts.push(context)
        const page = await context.newPage()
        await page.goto(`${server?.url}/`)
        await page.locator('#badge[data-state="live"]').waitFor(WAIT)
        await expect.poll(() => page.locator('#ticker tr').count(), WAIT).toBe(12)
        await expect.poll(() => pointsOf(page, 'p-connections'), WAIT).toBeGreaterThanOrEqual(2)
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        )
        expect(overflow, `${name} ${scheme}: horizontal overflow`).toBeLessThanOrEqual(0)
        await page.screenshot({
          path: join(SCREENSHOTS, `demo-${name}-${scheme}.png`),
          fullPage: true,
        })
        await context.close()
        contexts.pop()
      }
    }
  }, 90_000)

  it('shows reconnecting, then live, when the server restarts, and carries on from its last event id', async () => {
    const lastId = await alice.locator('#last-id').textContent()
    expect(lastId).toMatch(/^urn:uuid:/)
    const port = server?.port as number
    server?.child.kill('SIGKILL')
    await server?.exited
    await alice.locator('#badge[data-state="reconnecting"]').waitFor(WAIT)
    server = await spawnServer([...serverArgs(), '--port', String(port), '--host', '127.0.0.1'])
    await alice.locator('#badge[data-state="live"]').waitFor({ timeout: 30_000 })
    // Resumed from its id, which the history file still holds: nothing replayed twice.
    await bob.getByRole('textbox', { name: 'Message' }).fill('after the restart')
    await bob.getByRole('button', { name: 'Send', exact: true }).click()
    await expect.poll(() => chatText(alice), WAIT).toContain('after the restart')
    const text = (await chatText(alice)) ?? ''
    expect(text.split('hello from alice').length - 1).toBe(1)
    expect(await alice.locator('#resume-note').textContent()).toContain(`Resumed after ${lastId}`)
  }, 90_000)
})
