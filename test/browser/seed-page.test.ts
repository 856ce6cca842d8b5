import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

// The seed's page, exactly as shipped: it connects to http://localhost:3000/events.
const SEED_PAGE = new URL('../../../shared/seed/sse-test.html', import.meta.url)
const SEED_PORT = 3000
// The seed lives beside the project, not in it: a clone on its own has no seed page to open.
const SEED_PRESENT = existsSync(fileURLToPath(SEED_PAGE))
const SUITE = SEED_PRESENT
  ? 'the seed page (sse-test.html from file://)'
  : `the seed page (skipped: ${fileURLToPath(SEED_PAGE)} is absent)`
const LOST = '⚠️ Connection lost... reconnecting.'
// As `npm start` runs it: the demo, anonymous Mercure subscribers, one worker per core.
const NPM_START_ARGS = ['--demo', '--anonymous', '--workers', String(availableParallelism())]

async function assertPortFree(port: number): Promise<void> {
  const probe = createServer()
  await new Promise<void>((resolve, reject) => {
    probe.once('error', () =>
      reject(
        new Error(`port ${port} is taken: the seed page needs it; stop whatever listens there`),
      ),
    )
    probe.listen(port, () => resolve())
  })
  await new Promise((resolve) => probe.close(resolve))
}

let browser: Browser
let server: ServerProcess | undefined

describe.skipIf(!SEED_PRESENT)(SUITE, () => {
  beforeAll(async () => {
    await assertPortFree(SEED_PORT)
    browser = await launchChromium()
  })

  afterAll(async () => {
    server?.child.kill('SIGKILL')
    await browser?.close()
  })

  it('shows the server time, shows the connection lost, and resumes after a restart', async () => {
    server = await spawnServer(['--port', String(SEED_PORT), ...NPM_START_ARGS])
    const page = await browser.newPage()
    await page.goto(SEED_PAGE.href)
    expect(fileURLToPath(SEED_PAGE)).toMatch(/sse-test\.html$/)
    const output = page.locator('#output')
    await page.waitForFunction(
      () => document.getElementById('output')?.textContent?.includes('Server time is'),
      null,
      {
        timeout: 15_000,
      },
    )
    expect(await output.textContent()).toMatch(/^Connecting\.\.\.\nServer time is \S/)

    const killed = server
    killed.child.kill('SIGKILL')
    await killed.exited
    await page.waitForFunction(
      (lost) => document.getElementById('output')?.textContent?.includes(lost),
      LOST,
      {
        timeout: 15_000,
      },
    )

    server = await spawnServer(['--port', String(SEED_PORT), ...NPM_START_ARGS])
    await page.waitForFunction(
      (lost) => {
        const text = document.getElementById('output')?.textContent ?? ''
        return text.slice(text.indexOf(lost)).includes('Server time is')
      },
      LOST,
      { timeout: 20_000 },
    )
    await page.close()
  }, 60_000)
})
