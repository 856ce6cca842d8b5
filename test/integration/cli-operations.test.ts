import { type ChildProcess, spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { publishTo, waitForLog } from '../helpers/cluster.js'
import { sample, scrape } from '../helpers/metrics.js'
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js'
import { CLI_PATH, type ServerProcess, spawnServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let processes: ServerProcess[] = []
let children: ChildProcess[] = []
const streams: RawStream[] = []
let redis: TestRedis | undefined
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  for (const p of processes) p.child.kill('SIGKILL')
  for (const c of children) c.kill('SIGKILL')
  processes = []
  children = []
  await redis?.close()
  redis = undefined
})

async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const started = await spawnServer(args, env)
  processes.push(started)
  return started
}

async function open(url: string): Promise<RawStream> {
  const stream = await openRawStream(url)
  streams.push(stream)
  return stream
}

/** `/readyz` on a fresh connection: with `--workers`, either worker may answer. */
async function readiness(url: string): Promise<{ status: number; pid: number; body: string }> {
  const response = await fetch(`${url}/readyz`, { headers: { connection: 'close' } })
  const body = await response.text()
  return { status: response.status, pid: (JSON.parse(body) as { pid: number }).pid, body }
}

describe('ssehub serve --workers 2: /metrics', () => {
  it('reports each worker, the primary, and their sum, from whichever worker is scraped', async () => {
    const hub = await serve(['--workers', '2', '--no-clock'])
    // Each on a fresh connection: the cluster hands them to both workers.
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${hub.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ topic: 't', data: String(i) }),
      })
      expect(response.status).toBe(200)
    }
    for (let i = 0; i < 4; i++) await open(`${hub.url}/events?topic=t`)

    // Two scrapes, on two connections: both workers answer with the whole cluster.
    for (let scrapes = 0; scrapes < 2; scrapes++) {
      const samples = await scrape(hub.url)
      const published = ['0', '1'].map((w) =>
        sample(samples, `ssehub_events_published_total{worker="${w}"}`),
      )
      expect(published[0]).toBeGreaterThan(0)
      expect(published[1]).toBeGreaterThan(0)
      expect(sample(samples, 'ssehub_events_published_total{worker="all"}')).toBe(6)
      expect((published[0] as number) + (published[1] as number)).toBe(6)
      expect(sample(samples, 'ssehub_streams{worker="all"}')).toBe(4)
      // The history lives in the primary, which reports it.
      expect(sample(samples, 'ssehub_history_events{worker="primary"}')).toBe(6)
      expect(sample(samples, 'ssehub_history_events{worker="all"}')).toBe(6)
      for (const worker of ['0', '1', 'primary', 'all']) {
        expect(samples.has(`nodejs_eventloop_lag_p99_seconds{worker="${worker}"}`)).toBe(true)
      }
    }
  })

  it('logs each line once, from the process that has something to say', async () => {
    const hub = await serve(['--workers', '2', '--no-clock'])
    await waitForLog(hub, /"msg":"worker listening","worker":1/)
    await waitForLog(hub, /"msg":"worker listening","worker":0/)
    const lines = hub.stderr().trim().split('\n')
    expect(new Set(lines).size).toBe(lines.length)
    expect(lines.filter((l) => l.includes('"msg":"listening"'))).toHaveLength(1)
    expect(lines.filter((l) => l.includes('"msg":"worker listening"'))).toHaveLength(2)
    expect(lines.filter((l) => l.includes('"msg":"publishing is open'))).toHaveLength(1)
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('level')
  })
})

describe('ssehub serve --log-level', () => {
  it('hides info lines at warn, and keeps warnings', async () => {
    const port = await freePort()
    const child = spawn(
      process.execPath,
      [CLI_PATH, 'serve', '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    children.push(child)
    let stderr = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk
    })
    // The one line at warn comes once the server listens.
    await expect.poll(() => stderr, { timeout: 10_000 }).toMatch(/"msg":"publishing is open/)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const lines = stderr.trim().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['warn'])
  })

  it('reads SSEHUB_LOG_LEVEL, takes the flag over it, and refuses a level it does not know', async () => {
    const node = await serve(['--no-clock', '--log-level', 'info'], { SSEHUB_LOG_LEVEL: 'error' })
    expect(node.stderr()).toMatch(/"level":"info","msg":"listening"/)
    const bad = await runCli(['serve', '--log-level', 'verbose'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--log-level must be one of trace, debug, info, warn, error/)
    // The variable alone is read as well.
    const badEnv = await runCli(['serve', '--port', '0'], { SSEHUB_LOG_LEVEL: 'loud' })
    expect(badEnv.code).toBe(2)
    expect(badEnv.stderr).toMatch(/SSEHUB_LOG_LEVEL must be one of .*, got "loud"/)
  })
})

describe('ssehub serve /readyz', () => {
  it('answers 503 while draining after SIGTERM, in every worker, which still serve meanwhile', async () => {
    const hub = await serve(['--workers', '2', '--no-clock', '--drain-delay', '60'])
    expect((await readiness(hub.url)).status).toBe(200)
    const stream = await open(`${hub.url}/events?topic=t`)
    hub.child.kill('SIGTERM')
    const draining = new Set<number>()
    await expect
      .poll(
        async () => {
          const answer = await readiness(hub.url)
          if (answer.status === 503) draining.add(answer.pid)
          return draining.size
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBe(2)
    expect((await readiness(hub.url)).body).toMatch(/"status":"draining"/)
    expect((await fetch(`${hub.url}/healthz`, { headers: { connection: 'close' } })).status).toBe(
      200,
    )
    expect((await publishTo(hub.url, 't', 'still served')).status).toBe(200)
    await stream.waitFor('data: still served\n')
  })

  it('answers 503 while Redis is away, /healthz 200, and 200 again once it is back', async () => {
    redis = await startRedis()
    const node = await serve(['--redis', redis.url, '--no-clock'])
    expect((await readiness(node.url)).status).toBe(200)
    const from = node.stderr().length
    await redis.stop()
    await waitForLog(node, /lost the connection to Redis/, { from })
    const away = await readiness(node.url)
    expect(away.status).toBe(503)
    expect(away.body).toMatch(/"status":"store unreachable"/)
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200)
    await redis.start()
    await expect
      .poll(async () => (await readiness(node.url)).status, { timeout: 10_000, interval: 50 })
      .toBe(200)
  })

  it('logs an outage of Redis once, in words, from the first of the workers', async () => {
    redis = await startRedis()
    const node = await serve(['--redis', redis.url, '--no-clock', '--workers', '2'])
    const from = node.stderr().length
    await redis.stop()
    await waitForLog(node, /lost the connection to Redis/, { from })
    const refused = await fetch(`${node.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"topic":"t","data":"x"}',
    })
    expect(refused.status).toBe(503)
    await redis.start()
    await waitForLog(node, /connected to Redis again/, { from })
    const outage = node.stderr().slice(from)
    expect(outage.match(/lost the connection to Redis/g)).toHaveLength(1)
    expect(outage.match(/connected to Redis again/g)).toHaveLength(1)
    expect(outage).not.toMatch(/MaxRetriesPerRequest|UND_ERR/)
  })
})
