/**
 * The Mercure subscriptions API on a cluster of nodes on one Redis: every node lists every
 * node's subscriptions, and the end of a dead node's subscriptions is published by another.
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub } from '../../src/hub/hub.js'
import { type ActiveSubscription, subscriptionUpdates } from '../../src/mercure/subscriptions.js'
import { createRedisTransport } from '../../src/redis/redis-transport.js'
import { END_EXPIRED_SCRIPT } from '../../src/redis/scripts.js'
import { spawnNodes } from '../helpers/cluster.js'
import {
  listSubscriptions,
  mercureUrl,
  mintToken,
  SECRET,
  subscriptionEventsRequest,
  subscriptionUpdatesIn,
} from '../helpers/mercure.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import type { ServerProcess } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let redis: TestRedis | undefined
let nodes: ServerProcess[] = []
const streams: RawStream[] = []
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  for (const node of nodes.splice(0)) node.child.kill('SIGKILL')
  await redis?.close()
  redis = undefined
})

const MERCURE = ['--jwt-key', SECRET, '--subscriptions', '--redis-node-lease', '3']

const listedTopics = async (url: string) =>
  (await listSubscriptions(url)).subscriptions.map((s) => s.topic).sort()

/** A Mercure subscriber of `topic` on `url`. */
async function subscribe(url: string, topic: string): Promise<RawStream> {
  const token = await mintToken({ subscribe: [topic] })
  const stream = await openRawStream(mercureUrl(url, [topic]), { authorization: `Bearer ${token}` })
  streams.push(stream)
  return stream
}

const updates = (text: string) =>
  subscriptionUpdatesIn(text, (topic) => topic.startsWith('https://example.com/'))

describe('Mercure subscriptions on a cluster of nodes on Redis', () => {
  it("lists every node's subscriptions on every node", async () => {
    redis = await startRedis()
    nodes = await spawnNodes(2, redis.url, MERCURE)
    const [a, b] = nodes.map((n) => n.url) as [string, string]
    await subscribe(a, 'https://example.com/a')
    await subscribe(b, 'https://example.com/b')
    const both = ['https://example.com/a', 'https://example.com/b']
    await expect.poll(() => listedTopics(a)).toEqual(both)
    expect(await listedTopics(b)).toEqual(both)
  })

  it('ends the subscriptions of a node that died, from another node, once its lease has run out', async () => {
    redis = await startRedis()
    nodes = await spawnNodes(2, redis.url, MERCURE)
    const [survivor, victim] = nodes as [ServerProcess, ServerProcess]
    await subscribe(survivor.url, 'https://example.com/kept')
    await subscribe(victim.url, 'https://example.com/lost')
    await expect
      .poll(() => listedTopics(survivor.url))
      .toEqual(['https://example.com/kept', 'https://example.com/lost'])
    // Values ssehub did not write, one of a node without a lease: listed as nothing, and no
    // obstacle to ending the dead node's subscriptions.
    const foreign = new Redis(redis.url)
    await foreign.hset('ssehub:events:subscriptions', 'ghost x', 'not JSON', 'ghost y', 'null')
    const before = await listSubscriptions(survivor.url)
    victim.child.kill('SIGKILL')
    await victim.exited
    await expect
      .poll(() => listedTopics(survivor.url), { timeout: 10_000 })
      .toEqual(['https://example.com/kept'])
    // What changed since the list read before: the lost subscription's end, once.
    const changes = await openRawStream(
      ...(await subscriptionEventsRequest(survivor.url, before.lastEventID)),
    )
    streams.push(changes)
    await changes.waitFor(/"active":false/)
    expect(updates(changes.text())).toMatchObject([
      { topic: 'https://example.com/lost', active: false },
    ])
    // Swept with the dead node's: what is left is the survivor's (two streams: one of them reads
    // these updates).
    const left = await foreign.hkeys('ssehub:events:subscriptions')
    expect(new Set(left.map((key) => key.split(' ')[0])).size).toBe(1)
    expect(left.filter((key) => key.startsWith('ghost'))).toEqual([])
    foreign.disconnect()
  })

  it('ends the subscriptions of a node that stalled past its lease, then takes them back when it wakes', async () => {
    redis = await startRedis()
    nodes = await spawnNodes(2, redis.url, MERCURE)
    const [survivor, sleeper] = nodes as [ServerProcess, ServerProcess]
    await subscribe(sleeper.url, 'https://example.com/sleeper')
    await expect.poll(() => listedTopics(survivor.url)).toEqual(['https://example.com/sleeper'])
    const before = await listSubscriptions(survivor.url)
    sleeper.child.kill('SIGSTOP')
    try {
      await expect.poll(() => listedTopics(survivor.url), { timeout: 10_000 }).toEqual([])
    } finally {
      sleeper.child.kill('SIGCONT')
    }
    await expect
      .poll(() => listedTopics(survivor.url), { timeout: 10_000 })
      .toEqual(['https://example.com/sleeper'])
    // Its end, announced by the survivor, comes before its new start: the last word is "active".
    const changes = await openRawStream(
      ...(await subscriptionEventsRequest(survivor.url, before.lastEventID)),
    )
    streams.push(changes)
    await changes.waitFor(
      /"active":false[\s\S]*"topic":"https:\/\/example.com\/sleeper".*"active":true/,
    )
    expect(updates(changes.text()).map((u) => u.active)).toEqual([false, true])
  })

  it('writes its subscriptions again when Redis lost its data, and announces them', async () => {
    redis = await startRedis()
    nodes = await spawnNodes(1, redis.url, MERCURE)
    const [node] = nodes as [ServerProcess]
    await subscribe(node.url, 'https://example.com/x')
    await expect.poll(() => listedTopics(node.url)).toEqual(['https://example.com/x'])
    await redis.stop()
    await redis.start()
    await expect
      .poll(() => listedTopics(node.url).catch(() => []), { timeout: 10_000 })
      .toEqual(['https://example.com/x'])
    const listed = await listSubscriptions(node.url)
    // The stream is new: its only events are the announcements made since.
    const changes = await openRawStream(...(await subscriptionEventsRequest(node.url, 'earliest')))
    streams.push(changes)
    await changes.waitFor(/"topic":"https:\/\/example.com\/x".*"active":true/)
    expect(updates(changes.text())).toMatchObject([
      { topic: 'https://example.com/x', active: true },
    ])
    expect(listed.lastEventID).not.toBe('earliest')
  })

  it('ends what a node still holds when its transport closes under open subscriptions', async () => {
    redis = await startRedis()
    // In-process, as a library user runs it: a hub closed with its streams still open.
    const [closing, staying] = await Promise.all([
      createRedisTransport({ url: redis.url }),
      createRedisTransport({ url: redis.url }),
    ])
    const observer = createHub({ transport: staying })
    try {
      const store = closing.shareSubscriptions(subscriptionUpdates, 3000)
      const subscription: ActiveSubscription = {
        id: '/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2Fopen/s1',
        topic: 'https://example.com/open',
        subscriber: 's1',
        payload: null,
      }
      const seen: unknown[] = []
      await observer.subscribe({
        topics: [subscription.id],
        canReceivePrivate: () => true,
        deliver: (event) => seen.push(JSON.parse(event.data)),
      })
      store.add('s1', [subscription])
      const others = staying.shareSubscriptions(subscriptionUpdates, 3000)
      await expect.poll(async () => (await others.list()).subscriptions).toEqual([subscription])
      closing.close()
      await expect.poll(() => seen).toMatchObject([{ id: subscription.id, active: false }])
      expect((await others.list()).subscriptions).toEqual([])
    } finally {
      observer.close()
      closing.close()
    }
  })

  it('ends the entries it can of a value without a lease, and drops the ones Redis refuses', async () => {
    redis = await startRedis()
    const raw = new Redis(redis.url)
    try {
      const end = ['t', '["/s/dead"]', 'd', 'ended', 'p', '1']
      // One entry of an odd number of fields, one with a non-string field: XADD refuses both.
      const record = { subscriptions: [], ends: [['t'], [1, { x: 1 }], end] }
      await raw.hset('h', 'dead s1', JSON.stringify(record))
      expect(await raw.eval(END_EXPIRED_SCRIPT, 3, 'leases', 'h', 'stream', '')).toBe(1)
      expect(await raw.hlen('h')).toBe(0)
      expect((await raw.xrange('stream', '-', '+')).map(([, fields]) => fields)).toEqual([end])
    } finally {
      raw.disconnect()
    }
  })
})
