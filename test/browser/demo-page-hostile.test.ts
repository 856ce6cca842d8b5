/**
 * The demo pages fed by a hostile publisher (publishing is open under a plain `--demo`): markup
 * in every field shows as text, a flood of made-up ticker symbols or huge events does not grow
 * the page without bound, and malformed dashboard or ticker events are ignored, in Chromium.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const WAIT = { timeout: 15_000 }
// Runs in the page if any markup below were parsed as HTML.
const trap = (n: number) => `<img src=x onerror="window.pwned=${n}">`

let browser: Browser
let server: ServerProcess
const contexts: BrowserContext[] = []

beforeAll(async () => {
  browser = await launchChromium()
  server = await spawnServer(['--demo'])
}, 60_000)

afterAll(async () => {
  server?.child.kill('SIGKILL')
  for (const context of contexts) await context.close()
  await browser?.close()
})

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext()
  contexts.push(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${server.url}${path}`)
  await page.evaluate(() => {
    ;(window as unknown as { pwned: number }).pwned = 0
  })
  return { page, errors }
}

async function publish(body: unknown): Promise<void> {
  const response = await fetch(`${server.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(200)
}

const chat = (user: string, text: string) => ({
  topic: 'chat',
  event: 'chat',
  data: JSON.stringify({ user, text }),
})
const pwned = (page: Page) => page.evaluate(() => (window as unknown as { pwned: number }).pwned)

describe('the demo page at / with a hostile publisher', () => {
  it('shows markup as text, keeps the ticker to a bounded set of rows, clips huge events and ignores malformed ones', async () => {
    const { page, errors } = await open('/')
    await page.locator('#badge[data-state="live"]').waitFor(WAIT)
    await expect.poll(() => page.locator('#ticker tr').count(), WAIT).toBe(12)
    await publish(chat(trap(1), `<script>window.pwned=2</script>${trap(3)}`))
    await publish({ topic: 'notifications', event: 'notification', data: trap(4) })
    await publish(chat('big', 'y'.repeat(200_000)))
    // A hundred made-up symbols, markup in their names, in one batch.
    await publish(
      Array.from({ length: 100 }, (_, i) => ({
        topic: 'stocks',
        event: 'stock',
        data: JSON.stringify({ symbol: `<b>S${i}</b>`, price: 1, change: 0, time: 0 }),
      })),
    )
    for (const data of ['not json', 'null', '{"symbol":"BAD"}', '{"symbol":"BAD","price":"1"}']) {
      await publish({ topic: 'stocks', event: 'stock', data })
    }
    for (const data of ['not json', 'null', JSON.stringify({ connections: trap(5) })]) {
      await publish({ topic: 'metrics', event: 'metrics', data })
    }
    await publish(chat('end', 'after the hostile ones'))
    await expect
      .poll(() => page.locator('#chat-log').textContent(), WAIT)
      .toContain('after the hostile ones')

    expect(await pwned(page)).toBe(0)
    for (const selector of ['#chat-log', '#toasts', '#ticker', '#charts']) {
      expect(await page.locator(`${selector} img, ${selector} script, ${selector} b`).count()).toBe(
        0,
      )
    }
    expect(await page.locator('#chat-log').textContent()).toContain('<script>window.pwned=2')
    expect(await page.locator('#toasts').textContent()).toContain(trap(4))
    // The dozen real symbols and at most a dozen more.
    expect(await page.locator('#ticker tr').count()).toBeLessThanOrEqual(24)
    expect(await page.locator('#ticker').textContent()).not.toContain('BAD')
    const longest = await page
      .locator('#chat-log li')
      .evaluateAll((items) => Math.max(...items.map((item) => item.textContent?.length ?? 0)))
    expect(longest).toBeLessThan(2100)
    expect(errors).toEqual([])
    // Still moving: the real ticker's prices change after all that.
    const price = page
      .locator('#ticker tr', { has: page.locator('th', { hasText: 'ACME' }) })
      .locator('.price')
    const before = await price.textContent()
    await expect.poll(() => price.textContent(), WAIT).not.toBe(before)
  }, 60_000)
})

describe('the console at /console with a hostile publisher', () => {
  it('shows markup as text and clips a huge event', async () => {
    const { page, errors } = await open('/console')
    await page.locator('#topics').fill('chat')
    await page.locator('#connect').click()
    await page.locator('#status[data-state="open"]').waitFor(WAIT)
    await publish({ topic: 'chat', event: 'chat', data: trap(6) })
    await publish({ topic: 'chat', event: 'chat', data: 'z'.repeat(200_000) })
    await publish({ topic: 'chat', event: 'chat', data: 'the last one' })
    await expect.poll(() => page.locator('#log').textContent(), WAIT).toContain('the last one')
    expect(await pwned(page)).toBe(0)
    expect(await page.locator('#log img').count()).toBe(0)
    expect(await page.locator('#log').textContent()).toContain(trap(6))
    const longest = await page
      .locator('#log li')
      .evaluateAll((items) => Math.max(...items.map((item) => item.textContent?.length ?? 0)))
    expect(longest).toBeLessThan(10_100)
    expect(errors).toEqual([])
  }, 60_000)
})
