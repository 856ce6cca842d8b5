import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { publishTo } from '../helpers/cluster.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const run = runCli

let redis: TestRedis | undefined
let node: ServerProcess | undefined
afterEach(async () => {
  node?.child.kill('SIGKILL')
  node = undefined
  await redis?.close()
  redis = undefined
})

describe('ssehub serve with Redis', () => {
  it('documents the scale-out options in --help', async () => {
    const { stdout } = await run(['serve', '--help'])
    for (const flag of [
      '--redis <url>',
      'REDIS_URL',
      '--redis-stream <key>',
      '--redis-stream-max-len',
      '--redis-stream-max-age',
      '--redis-node-lease',
    ]) {
      expect(stdout).toContain(flag)
    }
  })

  it.each([
    [['--redis-stream', 'x'], /--redis-stream needs --redis \(or REDIS_URL\)/],
    [['--redis', 'http://127.0.0.1'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [
      ['--redis', 'redis://127.0.0.1', '--history-size', '5'],
      /--history-size is for the in-memory hub/,
    ],
    [
      ['--redis', 'redis://127.0.0.1', '--redis-stream-max-len', 'many'],
      /--redis-stream-max-len must be an integer/,
    ],
    [['--redis-node-lease', '5'], /--redis-node-lease needs --redis \(or REDIS_URL\)/],
    [
      ['--redis', 'redis://127.0.0.1', '--subscriptions', '--redis-node-lease', '2'],
      /--redis-node-lease must be/,
    ],
    [['--redis', 'redis://127.0.0.1', '--redis-node-lease', '5'], /needs --subscriptions/],
  ])('refuses %o with a message and exit code 2', async (args, message) => {
    const result = await run(['serve', '--port', '0', ...args])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('says Redis cannot be reached and exits 1', async () => {
    redis = await startRedis()
    const { url } = redis
    await redis.stop()
    const result = await run(['serve', '--port', '0', '--redis', url])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`ssehub: cannot connect to Redis at ${url}`)
  })

  it('joins the cluster named by REDIS_URL, on the stream and retention given', async () => {
    redis = await startRedis()
    node = await spawnServer(
      ['--no-clock', '--redis-stream', 'app:events', '--redis-stream-max-len', '500'],
      {
        REDIS_URL: redis.url,
      },
    )
    expect(node.stderr()).toMatch(/"msg":"joined the cluster on Redis".*"stream":"app:events"/)
    expect((await publishTo(node.url, 't', 'x')).status).toBe(200)
    const raw = new Redis(redis.url)
    try {
      expect(await raw.xlen('app:events')).toBe(1)
    } finally {
      raw.disconnect()
    }
  })
})
