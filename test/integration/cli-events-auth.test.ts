import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { mintToken, SECRET } from '../helpers/mercure.js'
import { CLI_PATH, type ServerProcess, spawnServer } from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

const ALICE = '/users/alice/notifications'
const BOB = '/users/bob/notifications'

let processes: ServerProcess[] = []
afterEach(() => {
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

async function serve(args: string[]) {
  const started = await spawnServer(['--no-clock', ...args])
  processes.push(started)
  return started
}

const events = (base: string, topic: string) => `${base}/events?topic=${encodeURIComponent(topic)}`

async function streamCount(base: string): Promise<number> {
  const health = (await (await fetch(`${base}/healthz`)).json()) as { streams: number }
  return health.streams
}

describe('ssehub serve and subscribe: authorization of GET /events', () => {
  it('lists --public-topic in serve --help and --token in subscribe --help', async () => {
    expect((await runCli(['serve', '--help'])).stdout).toContain('--public-topic <selector>')
    expect((await runCli(['subscribe', '--help'])).stdout).toContain('--token <jws>')
  })

  it.each([
    [['--public-topic', ''], /--public-topic must not be empty/],
    [['--no-mercure', '--jwt-key', SECRET], /--no-mercure drops the subscriber JWT key/],
  ])('refuses %o with a message and exit code 2', async (args, message) => {
    const result = await runCli(['serve', '--port', '0', '--no-clock', ...args])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('guards /events with --jwt-key, and opens each --public-topic to anyone', async () => {
    const hub = await serve([
      '--jwt-key',
      SECRET,
      '--public-topic',
      'news',
      '--public-topic',
      '/tips/{id}',
    ])
    expect(hub.stderr()).toMatch(/GET \/events needs a subscriber JWS/)
    expect((await fetch(events(hub.url, ALICE))).status).toBe(401)
    for (const topic of ['news', '/tips/1']) {
      const stream = await openRawStream(events(hub.url, topic))
      expect(stream.response.status).toBe(200)
      stream.close()
    }
  })

  it("opens the demo's topics with --demo, beside --public-topic, and guards the rest", async () => {
    const hub = await spawnServer(['--demo', '--jwt-key', SECRET, '--public-topic', 'news'])
    processes.push(hub)
    for (const url of [`${hub.url}/events`, events(hub.url, 'chat'), events(hub.url, 'news')]) {
      const stream = await openRawStream(url)
      expect(stream.response.status, url).toBe(200)
      stream.close()
    }
    const multi = await openRawStream(`${hub.url}/events?topic=clock&topic=stocks&topic=metrics`)
    expect(multi.response.status).toBe(200)
    multi.close()
    expect((await fetch(events(hub.url, ALICE))).status).toBe(401)
    expect((await fetch(`${hub.url}/events?topic=chat&topic=${ALICE}`)).status).toBe(401)
  })

  it('keeps /events open with --anonymous, and says nothing of tokens', async () => {
    const hub = await serve(['--jwt-key', SECRET, '--anonymous'])
    expect(hub.stderr()).not.toMatch(/GET \/events needs/)
    const stream = await openRawStream(events(hub.url, ALICE))
    expect(stream.response.status).toBe(200)
    stream.close()
  })

  it('subscribes with --token and prints the events of the topic the token covers', async () => {
    const hub = await serve(['--jwt-key', SECRET])
    const token = await mintToken({ subscribe: [ALICE] })
    const child = spawn(process.execPath, [
      CLI_PATH,
      'subscribe',
      ALICE,
      '--url',
      hub.url,
      '--token',
      token,
    ])
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    try {
      await expect.poll(() => streamCount(hub.url), { timeout: 5000 }).toBe(1)
      const published = await fetch(`${hub.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic: ALICE, data: 'you have mail' }),
      })
      expect(published.status).toBe(200)
      await expect.poll(() => stdout, { timeout: 5000 }).toBe('you have mail\n')
    } finally {
      child.kill('SIGINT')
      await once(child, 'close')
    }
  })

  it("ends with exit code 1 and the hub's reason when the token does not cover the topic", async () => {
    const hub = await serve(['--jwt-key', SECRET])
    const token = await mintToken({ subscribe: [ALICE] })
    const result = await runCli(['subscribe', BOB, '--url', hub.url], { SSEHUB_TOKEN: token })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /disconnected: 403 .*does not allow subscribing to \W*\/users\/bob\/notifications/,
    )
    const none = await runCli(['subscribe', ALICE, '--url', hub.url])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/disconnected: 401 .*needs a JWS/)
  })

  it('ends with exit code 1 once its token expires: the hub ends the stream, then refuses it', async () => {
    const hub = await serve(['--jwt-key', SECRET])
    // `exp` is in whole seconds: at least 3 s from now, time enough for the command to connect.
    const token = await mintToken({ subscribe: [ALICE] }, { expiresAt: Date.now() + 4000 })
    const result = await runCli(['subscribe', ALICE, '--url', hub.url, '--token', token])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^ssehub: connected$/m)
    expect(result.stderr).toMatch(/disconnected: 401 .*expired \(ERR_SSE_TOKEN_EXPIRED\)/)
  })

  it('refuses a --token HTTP cannot carry, before connecting', async () => {
    const result = await runCli(['subscribe', ALICE, '--token', 'a b'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--token must be a JWS/)
  })
})
