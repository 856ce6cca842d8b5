import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub, type Hub } from '../../src/hub/hub.js'
import type { Transport } from '../../src/hub/transport.js'
import type { HubEvent } from '../../src/hub/types.js'
import { createRedisTransport } from '../../src/redis/redis-transport.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'

let redis: TestRedis | undefined
const closers: Array<{ close(): void } | { disconnect(): void }> = []
afterEach(async () => {
  for (const c of closers.splice(0)) 'close' in c ? c.close() : c.disconnect()
  await redis?.close()
  redis = undefined
})

async function hubOn(options: { maxLen?: number | null; maxAgeMs?: number | null } = {}) {
  redis ??= await startRedis()
  const transport: Transport = await createRedisTransport({ url: redis.url, ...options })
  const hub: Hub = createHub({ transport })
  closers.push(hub)
  const raw = new Redis(redis.url)
  raw.on('error', () => {}) // Redis stopped by a test: its reconnection errors are expected
  closers.push(raw)
  return { hub, raw }
}

describe('the Redis transport', () => {
  it('keeps about maxLen entries, and forgets the publisher ids of those trimmed', async () => {
    const { hub, raw } = await hubOn({ maxLen: 10 })
    for (let i = 0; i < 300; i++) await hub.publish('t', { id: `e-${i}`, data: String(i) })
    // `MAXLEN ~` trims whole blocks of entries (100 by default): a few more than 10 may stay.
    const kept = await raw.xlen('ssehub:events')
    expect(kept).toBeGreaterThanOrEqual(10)
    expect(kept).toBeLessThanOrEqual(110)
    // The id index is trimmed by the milliseconds of the first entry kept.
    const [first] = await raw.xrange('ssehub:events', '-', '+', 'COUNT', 1)
    const firstMs = first?.[0].split('-')[0] as string
    expect(await raw.zrangebyscore('ssehub:events:ids', '-inf', `(${firstMs}`)).toEqual([])
    expect(await raw.zcard('ssehub:events:ids')).toBeLessThan(300)
    const gaps: string[] = []
    const replayed: string[] = []
    await hub.subscribe(
      { topics: ['t'], deliver: (e) => replayed.push(e.data), onHistoryGap: (id) => gaps.push(id) },
      { lastEventId: 'e-0' },
    )
    expect(gaps).toEqual(['e-0'])
    expect(replayed).toHaveLength(kept)
    expect(replayed.at(-1)).toBe('299')
  })

  it('trims entries older than maxAgeMs', async () => {
    const { hub, raw } = await hubOn({ maxLen: null, maxAgeMs: 1 })
    const start = Date.now()
    for (let i = 0; i < 250; i++) await hub.publish('t', { data: String(i) })
    // Make sure the last publish comes after every earlier entry has aged out.
    while (Date.now() <= start + 1) await new Promise((resolve) => setImmediate(resolve))
    await hub.publish('t', { data: 'last' })
    expect(await raw.xlen('ssehub:events')).toBeLessThan(251)
  })

  it('keeps everything without bounds', async () => {
    const { hub, raw } = await hubOn({ maxLen: null })
    for (let i = 0; i < 150; i++) await hub.publish('t', { data: String(i) })
    expect(await raw.xlen('ssehub:events')).toBe(150)
  })

  it('stores a batch in one run of entries, and refuses a bad one whole', async () => {
    const { hub, raw } = await hubOn()
    const ids = await hub.publishBatch([
      { topics: ['a', 'b'], data: 'one', event: 'x', retry: 5, private: true },
      { topics: ['a'], data: 'two\nlines' },
    ])
    await expect(
      hub.publishBatch([
        { topics: ['a'], data: 'fine' },
        { topics: ['a'], event: 'bad\n', data: 'x' },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_SSE_INVALID_EVENT' })
    const entries = await raw.xrange('ssehub:events', '-', '+')
    expect(entries).toHaveLength(2)
    const seen: HubEvent[] = []
    await hub.subscribe(
      { topics: ['a'], canReceivePrivate: () => true, deliver: (e) => seen.push(e) },
      { lastEventId: 'unknown' },
    )
    expect(seen.map((e) => e.id)).toEqual(ids.map((p) => p.id))
    expect(new TextDecoder().decode(seen[0]?.bytes)).toBe(
      `event: x\nid: ${ids[0]?.id}\nretry: 5\ndata: one\n\n`,
    )
    expect(seen[0]?.topics).toEqual(['a', 'b'])
    expect(seen[0]?.private).toBe(true)
  })

  it('rejects publishes with ERR_SSE_TRANSPORT_UNAVAILABLE while Redis is away', async () => {
    const { hub } = await hubOn()
    await (redis as TestRedis).stop()
    await expect(hub.publish('t', { data: 'x' })).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
      message: expect.stringMatching(/^Redis is unavailable: the event was not acknowledged/),
    })
  })

  it('rejects a publish Redis does not answer in time, and publishes again once it does', async () => {
    redis = await startRedis()
    const transport = await createRedisTransport({ url: redis.url, commandTimeoutMs: 300 })
    const hub = createHub({ transport })
    closers.push(hub)
    const received: string[] = []
    await hub.subscribe({ topics: ['t'], deliver: (e) => received.push(e.data) })
    redis.pause()
    const started = performance.now()
    await expect(hub.publish('t', { data: 'frozen' })).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
    })
    expect(performance.now() - started).toBeLessThan(2000)
    redis.resume()
    const { id } = await hub.publish('t', { data: 'thawed' })
    expect(id).toMatch(/^urn:uuid:/)
    await expect.poll(() => received.includes('thawed')).toBe(true)
  })

  it('will not start when Redis cannot be reached', async () => {
    redis = await startRedis()
    const { url } = redis
    await redis.stop()
    await expect(createRedisTransport({ url })).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining(`cannot connect to Redis at ${url}`),
    })
  })

  it('refuses a bad option with a TypeError naming it', async () => {
    await expect(createRedisTransport({ url: 'http://x' })).rejects.toThrow(
      '`url` must be a redis:// or rediss:// URL',
    )
    await expect(createRedisTransport({ url: 'redis://x', maxLen: 0 })).rejects.toThrow(
      '`maxLen` must be a positive integer or null, got 0',
    )
  })
})
