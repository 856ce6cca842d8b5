import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

let browser: Browser
let server: ServerProcess | undefined

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  server?.child.kill('SIGKILL')
  await browser?.close()
})

const logText = (page: Page) => page.locator('#log').textContent()

describe('the developer console at /console (ssehub serve --demo)', () => {
  it('connects, shows the clock, publishes and receives, and recovers from a restart', async () => {
    server = await spawnServer(['--demo'])
    const page = await browser.newPage()
    await page.goto(`${server.url}/console`)
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 })
    await page
      .getByText(/Server time is/)
      .first()
      .waitFor({ timeout: 10_000 })

    await page.getByRole('button', { name: 'chat', exact: true }).click()
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 })
    await page.locator('input[name="data"]').fill('hello from chromium')
    await page.getByRole('button', { name: 'Publish' }).click()
    await expect.poll(() => logText(page), { timeout: 10_000 }).toContain('hello from chromium')
    // The event may come down the stream before the publish's answer reaches the page.
    await expect
      .poll(() => page.locator('#publish-result').textContent(), { timeout: 10_000 })
      .toMatch(/^published, id urn:uuid:/)

    await page.locator('input[name="event"]').fill('chat')
    await page.locator('input[name="data"]').fill('a typed event')
    await page.getByRole('button', { name: 'Publish' }).click()
    await expect.poll(() => logText(page), { timeout: 10_000 }).toContain('[chat] a typed event')

    const port = server.port
    server.child.kill('SIGKILL')
    await server.exited
    await page.locator('#status[data-state="connecting"]').waitFor({ timeout: 10_000 })
    server = await spawnServer(['--demo', '--port', String(port), '--host', '127.0.0.1'])
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 20_000 })
    expect(await page.locator('#reconnects').textContent()).toBe('1')
    await page.close()
  }, 60_000)

  it('shows a publish error from the server', async () => {
    server ??= await spawnServer(['--demo'])
    const page = await browser.newPage()
    await page.goto(`${server.url}/console`)
    await page.locator('input[name="topic"]').fill('')
    await page.locator('input[name="topic"]').evaluate((input: HTMLInputElement) => {
      input.required = false
    })
    await page.getByRole('button', { name: 'Publish' }).click()
    await expect
      .poll(() => page.locator('#publish-result').textContent(), { timeout: 10_000 })
      // The problem's `detail`, a sentence, not the JSON body.
      .toMatch(/^error 400: [^{\s]/)
    await page.close()
  }, 30_000)
})
