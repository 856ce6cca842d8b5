import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { type AddressInfo, createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { keptBy } from '../helpers/kept.js'
import {
  CLI_PATH,
  type ServerProcess,
  spawnServer,
  startTestServer,
  type TestServer,
} from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

const run = runCli

let server: TestServer | undefined
let processes: ServerProcess[] = []
afterEach(async () => {
  await server?.close()
  server = undefined
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

describe('ssehub CLI', () => {
  it('prints help and exits 0 with --help', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/serve[\s\S]*publish[\s\S]*subscribe/)
    expect((await run(['serve', '--help'])).stdout).toMatch(/--port/)
  })

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['serve', '--port', 'abc'], /--port must be an integer from 0 to 65535, got "abc"/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['serve', '--heartbeat=-1'], /--heartbeat must be an integer from 0 to 86400, got "-1"/],
    [['publish', 'only-topic'], /publish takes <topic> <data>/],
    [['publish', 't', 'd', '--url', 'ftp://x'], /--url must be an http\(s\) URL/],
    [['subscribe'], /at least one <topic>/],
  ])('refuses %o with a message and exit code 2', async (args, message) => {
    const result = await run(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toMatch(/Run 'ssehub .*--help' for usage/)
  })

  it('publishes an event and prints its id', async () => {
    server = await startTestServer()
    const result = await run([
      'publish',
      'news',
      'hello world',
      '--event',
      'headline',
      '--url',
      server.url,
    ])
    expect(result.code).toBe(0)
    const [event] = await keptBy(server.app.hub)
    expect(result.stdout).toBe(`${event?.id}\n`)
    expect(event).toMatchObject({ topics: ['news'], type: 'headline', data: 'hello world' })
  })

  it('reports a publish the server refuses, with its message, and exits 1', async () => {
    server = await startTestServer({ publishKey: 'k' })
    const refused = await run(['publish', 'news', 'x', '--url', server.url])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/401 publishing needs `Authorization: Bearer/)
    const bad = await run([
      'publish',
      'news',
      'x',
      '--event',
      'a\nb',
      '--url',
      server.url,
      '--key',
      'k',
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/400 `event` must be a string without CR or LF/)
  })

  it('says when it cannot reach the hub, and exits 1', async () => {
    const closed = await startTestServer()
    await closed.close()
    const result = await run(['publish', 'news', 'x', '--url', closed.url])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`cannot reach ${closed.url}/: connection refused`)
  })

  it('says in words when the server closes the connection without answering', async () => {
    const hangUp = createServer((socket) => socket.on('data', () => socket.destroy()))
    hangUp.listen(0, '127.0.0.1')
    await once(hangUp, 'listening')
    try {
      const { port } = hangUp.address() as AddressInfo
      const result = await run(['publish', 'news', 'x', '--url', `http://127.0.0.1:${port}`])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        `ssehub: cannot reach http://127.0.0.1:${port}/: the server closed the connection without answering: is this an ssehub hub?\n`,
      )
    } finally {
      hangUp.close()
    }
  })

  it('subscribes, prints events, and resumes after a dropped connection with nothing missed or doubled', async () => {
    server = await startTestServer({ retryMs: 50 })
    const child = spawn(process.execPath, [
      CLI_PATH,
      'subscribe',
      'feed',
      '--json',
      '--url',
      server.url,
    ])
    let stdout = ''
    const lines = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { data: string; id: string })
    child.stdout.on('data', (c) => {
      stdout += c
    })
    try {
      await expect.poll(() => server?.app.hub.subscriberCount, { timeout: 5000 }).toBe(1)
      for (const data of ['1', '2', '3']) await server.app.hub.publish('feed', { data })
      await expect.poll(() => lines().length, { timeout: 5000 }).toBe(3)
      server.server.closeAllConnections()
      for (const data of ['4', '5']) await server.app.hub.publish('feed', { data })
      await expect.poll(() => server?.app.hub.subscriberCount, { timeout: 5000 }).toBe(1)
      await server.app.hub.publish('feed', { data: '6' })
      await expect.poll(() => lines().length, { timeout: 5000 }).toBe(6)
      expect(lines().map((l) => l.data)).toEqual(['1', '2', '3', '4', '5', '6'])
      expect(lines().map((l) => l.id)).toEqual((await keptBy(server.app.hub)).map((e) => e.id))
    } finally {
      child.kill('SIGINT')
      await once(child, 'close')
    }
  })

  it('serves, and on SIGTERM sends streams a retry hint, ends them, and exits 0', async () => {
    const serverProcess = await spawnServer(['--no-clock'])
    processes.push(serverProcess)
    expect(serverProcess.stderr()).toMatch(/"level":"warn","msg":"publishing is open/)
    const stream = await openRawStream(`${serverProcess.url}/events?topic=a`)
    await expect
      .poll(async () => (await (await fetch(`${serverProcess.url}/healthz`)).json()).streams)
      .toBe(1)
    serverProcess.child.kill('SIGTERM')
    await stream.ended
    // The stream opened with its own jittered retry:, and ends with another, after 1-3 s.
    const [opening, closing] = [...stream.text().matchAll(/^retry: (\d+)$/gm)].map((m) =>
      Number(m[1]),
    )
    expect(stream.text().replaceAll(':\n\n', '')).toMatch(/^retry: \d+\n\nretry: \d+\n\n$/)
    expect(opening).toBeGreaterThanOrEqual(1000)
    expect(closing).toBeGreaterThanOrEqual(1000)
    expect(closing).toBeLessThanOrEqual(3000)
    expect(await serverProcess.exited).toBe(0)
  })

  it.each(['1', '2'])(
    'says the port is taken once, in words, and exits 1 (--workers %s)',
    async (workers) => {
      server = await startTestServer()
      const result = await run([
        'serve',
        '--port',
        String(server.port),
        '--host',
        '127.0.0.1',
        '--workers',
        workers,
      ])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        `ssehub: cannot listen: port ${server.port} is already in use (another ssehub?); stop it, or choose another port with --port or PORT\n`,
      )
    },
  )

  it('says once that Redis cannot be reached, with every worker failing alike', async () => {
    const closed = await startTestServer()
    await closed.close()
    const url = `redis://127.0.0.1:${closed.port}`
    const result = await run(['serve', '--port', '0', '--workers', '2', '--redis', url])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`^ssehub: cannot connect to Redis at ${url}[^\n]*\n$`))
  })

  it('says the host cannot be bound and exits 1', async () => {
    const result = await run(['serve', '--port', '0', '--host', 'no-such-host.invalid'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/cannot listen: the host .* cannot be resolved/)
  })
})
