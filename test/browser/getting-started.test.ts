/**
 * docs/getting-started.md, run as a reader runs it: its shell blocks through bash, its hub and
 * page server as processes, its page in Chromium. Only the addresses change: the hub and the
 * page's server take free ports on 127.0.0.1 (one host for both, as localhost is in the guide,
 * so that the page's cookie reaches the hub); and the hub is the built CLI with the guide's
 * flags, one process (`npx ssehub` runs the same file; the install itself is tested apart).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { createCondition } from '../helpers/condition.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const GUIDE = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8')
const BLOCKS = [...GUIDE.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string)

/** The one shell block of the guide that contains `text`. */
function block(text: string): string {
  const found = BLOCKS.filter((b) => b.includes(text))
  if (found.length !== 1) throw new Error(`${found.length} blocks of the guide hold ${text}`)
  return found[0] as string
}

let hub: ServerProcess
let env: NodeJS.ProcessEnv
let appOrigin: string
let browser: Browser | undefined
let appDir: string
const children: ChildProcess[] = []

/** The guide's text with its addresses made this test's. */
const here = (text: string) =>
  text.replaceAll('http://localhost:3000', hub.url).replaceAll('http://localhost:8080', appOrigin)

/** Runs shell text with bash in the clone, as the guide's reader does; its stdout. */
function bash(script: string, extraEnv: NodeJS.ProcessEnv = {}, cwd = ROOT): string {
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', here(script)], {
    cwd,
    env: { ...process.env, ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 20_000,
  })
  if (run.status !== 0) throw new Error(`bash exited ${run.status}: ${run.stderr}`)
  return run.stdout
}

/** Starts shell text in the background, like the guide's `… &`; its output so far. */
function background(script: string, extraEnv: NodeJS.ProcessEnv, cwd = ROOT) {
  const child = spawn('bash', ['-c', `exec ${here(script)}`], {
    cwd,
    env: { ...process.env, ...env, ...extraEnv },
  })
  children.push(child)
  let output = ''
  const condition = createCondition()
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
    condition.changed()
  })
  return {
    waitFor: (text: string) =>
      condition.until(
        () => output.includes(text),
        () => `${text} in ${output}`,
        10_000,
      ),
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

beforeAll(async () => {
  const serveBlock = block('npx ssehub serve')
  env = Object.fromEntries(
    [...serveBlock.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]),
  )
  expect(Object.keys(env)).toEqual(['SSEHUB_JWT_KEY', 'SSEHUB_PUBLISH_KEY'])
  appOrigin = `http://127.0.0.1:${await freePort()}`
  const serveArgs = /^npx ssehub serve (.*)$/m.exec(serveBlock)?.[1]?.split(' ') ?? []
  expect(serveArgs).toEqual(['--cors-origins', 'http://localhost:8080'])
  hub = await spawnServer(
    serveArgs.map((arg) => arg.replace('http://localhost:8080', appOrigin)),
    env,
  )
  // Where the guide's `cat > app.mjs` writes: in the clone, so that `jose` resolves as for a
  // reader; under node_modules, so that nothing is left in the tree if the test dies.
  mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true })
  appDir = mkdtempSync(join(ROOT, 'node_modules/.cache/getting-started-'))
}, 30_000)

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  hub?.child.kill('SIGKILL')
  await browser?.close()
  rmSync(appDir, { recursive: true, force: true })
})

describe('docs/getting-started.md, followed step by step', () => {
  let token: string

  it('3. mints a token for Alice with the jose one-liner', () => {
    token = bash(block('TOKEN=$(')).trim()
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('4. is refused without a token (401) and for Bob’s topic (403)', () => {
    const output = bash(block('curl -i'), { TOKEN: token })
    const statuses = [...output.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1])
    expect(statuses).toEqual(['401', '403'])
  })

  it('4-5. streams Alice’s topic to her token, and receives what is published to it', async () => {
    const stream = background(block('curl -N').trim().replace(/ &$/, ''), { TOKEN: token })
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${hub.url}/healthz`)).json()) as { streams: number }).streams,
      )
      .toBe(1)
    expect(bash(block('/publish'))).toMatch(/^urn:uuid:/)
    await stream.waitFor('data: Your order has shipped\n\n')
  }, 30_000)

  it('6. shows Alice’s notifications in her page, and none in Bob’s', async () => {
    const appBlock = block('cat > app.mjs')
    const [write, start] = appBlock.split(/^EOF$/m)
    bash(`${write}EOF\n`, {}, appDir)
    expect(start?.trim()).toBe('node app.mjs &')
    const app = background('node app.mjs', { PORT: new URL(appOrigin).port, HUB: hub.url }, appDir)
    await app.waitFor('open http://localhost:')
    browser = await launchChromium()
    const alice = await (await browser.newContext()).newPage()
    await alice.goto(`${appOrigin}/?user=alice`)
    const bob = await (await browser.newContext()).newPage()
    await bob.goto(`${appOrigin}/?user=bob`)
    for (const page of [alice, bob]) {
      await page.locator('#state', { hasText: 'connected' }).waitFor({ timeout: 10_000 })
    }
    bash(block('/publish'))
    await expect
      .poll(() => alice.locator('#list li').allTextContents(), { timeout: 10_000 })
      .toEqual(['Your order has shipped'])
    const forBob = block('/publish')
      .replace('/users/alice/', '/users/bob/')
      .replace('Your order has shipped', 'Hi Bob')
    bash(forBob)
    await expect
      .poll(() => bob.locator('#list li').allTextContents(), { timeout: 10_000 })
      .toEqual(['Hi Bob'])
    expect(await alice.locator('#list li').allTextContents()).toEqual(['Your order has shipped'])
  }, 60_000)
})
