/**
 * The conflation key on Redis: stored as the entry's `k` field and read back by every node, so a
 * keyed event published on one node is conflated on the others; an ephemeral publish writes no
 * entry at all.
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub, type Hub } from '../../src/hub/hub.js'
import type { HubEvent } from '../../src/hub/types.js'
import { createRedisTransport } from '../../src/redis/redis-transport.js'
import { createCondition } from '../helpers/condition.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'

let redis: TestRedis | undefined
const closers: Array<{ close(): void } | { disconnect(): void }> = []
afterEach(async () => {
  for (const c of closers.splice(0)) 'close' in c ? c.close() : c.disconnect()
  await redis?.close()
  redis = undefined
})

async function node(url: string): Promise<Hub> {
  const hub = createHub({ transport: await createRedisTransport({ url }) })
  closers.push(hub)
  return hub
}

describe('the conflation key on Redis', () => {
  it("is stored as field k and reaches another node's subscribers", async () => {
    redis = await startRedis()
    const [a, b] = [await node(redis.url), await node(redis.url)]
    const got: HubEvent[] = []
    const arrived = createCondition()
    await b.subscribe({
      topics: ['quotes'],
      deliver: (event) => {
        got.push(event)
        arrived.changed()
      },
    })
    await a.publish('quotes', { data: '1', key: 'ACME ☃' })
    await a.publish('quotes', { data: '2' })
    await arrived.until(
      () => got.length === 2,
      () => `${got.length} events`,
      10_000,
    )
    expect(got.map((event) => event.key)).toEqual(['ACME ☃', undefined])
    const raw = new Redis(redis.url)
    closers.push(raw)
    const entries = await raw.xrange('ssehub:events', '-', '+')
    expect(entries.map(([, fields]) => fields.indexOf('k') % 2)).toEqual([0, -1])
    expect(entries[0]?.[1]).toContain('ACME ☃')
  })

  it('writes no entry for an ephemeral publish, keyed or not', async () => {
    redis = await startRedis()
    const hub = await node(redis.url)
    const got: string[] = []
    await hub.subscribe({ topics: ['clock'], deliver: (event) => got.push(event.data) })
    await hub.publish('clock', { data: 'tick' }, { ephemeral: true })
    await hub.publish('clock', { data: 'tock', key: 'k' }, { ephemeral: true })
    expect(got).toEqual(['tick', 'tock'])
    const raw = new Redis(redis.url)
    closers.push(raw)
    expect(await raw.xlen('ssehub:events')).toBe(0)
  })
})
