import { afterEach, describe, expect, it } from 'vitest'
import {
  type FailoverSubscriber,
  failoverSubscriber,
  publishTo,
  readEvents,
  spawnNodes,
} from '../helpers/cluster.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import type { ServerProcess } from '../helpers/server.js'

let redis: TestRedis | undefined
let nodes: ServerProcess[] = []
let subscribers: FailoverSubscriber[] = []
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close()
  for (const node of nodes.splice(0)) node.child.kill('SIGKILL')
  await redis?.close()
  redis = undefined
})

/** Publishes to the nodes in turn, moving on to the next when one cannot be reached. */
async function publishAnywhere(urls: () => string[], topic: string, data: string, turn: number) {
  for (let attempt = 0; ; attempt++) {
    const candidates = urls()
    const url = candidates[(turn + attempt) % candidates.length] as string
    const answer = await publishTo(url, topic, data).catch(() => ({ status: 0, body: '' }))
    if (answer.status === 200) return answer.body
    if (attempt > 20) throw new Error(`publish failed: ${answer.status} ${answer.body}`)
  }
}

describe('a cluster of nodes on Redis', () => {
  it('gives every subscriber on every node every event of its topics once, in one global order', async () => {
    redis = await startRedis()
    nodes = await spawnNodes(3, redis.url)
    const urls = nodes.map((n) => n.url)
    const onA = urls.map((_, i) => failoverSubscriber([urls[i] as string], ['a'], 0))
    const onAB = urls.map((_, i) => failoverSubscriber([urls[i] as string], ['a', 'b'], 0))
    subscribers.push(...onA, ...onAB)
    await Promise.all(subscribers.map((s) => s.waitFor(() => s.opens() === 1, 'open')))

    // Three publishers at once, one per node, each alternating topics: ids from every node mix.
    const published = { a: [] as string[], b: [] as string[] }
    await Promise.all(
      urls.map(async (url, node) => {
        for (let i = 0; i < 20; i++) {
          const topic = i % 2 === 0 ? 'a' : 'b'
          const answer = await publishTo(url, topic, `${node}:${i}`)
          expect(answer.status).toBe(200)
          published[topic].push(answer.body)
        }
      }),
    )

    const all = [...published.a, ...published.b]
    await Promise.all([
      ...onA.map((s) => s.waitForEvents(published.a.length)),
      ...onAB.map((s) => s.waitForEvents(all.length)),
    ])
    const ids = (s: FailoverSubscriber) => s.events.map((e) => e.id)
    for (const s of onA) expect([...ids(s)].sort()).toEqual([...published.a].sort())
    for (const s of onAB) expect([...ids(s)].sort()).toEqual([...all].sort())
    // One global order: every node delivers the same sequence, and ids sort as it does.
    for (const s of [...onA, ...onAB]) expect(ids(s)).toEqual([...ids(s)].sort())
    for (const s of onA) expect(ids(s)).toEqual(ids(onA[0] as FailoverSubscriber))
    for (const s of onAB) expect(ids(s)).toEqual(ids(onAB[0] as FailoverSubscriber))
    // Nothing arrives later (a duplicate would): one more event, then the counts are exact.
    const last = await publishTo(urls[0] as string, 'a', 'last')
    await Promise.all(onA.map((s) => s.waitFor(() => s.events.at(-1)?.id === last.body, 'last')))
    for (const s of onA) expect(s.events).toHaveLength(published.a.length + 1)
  }, 30_000)

  it('moves the subscribers of a node killed mid-stream to another, with nothing missed or repeated', async () => {
    redis = await startRedis()
    nodes = await spawnNodes(3, redis.url)
    const urls = nodes.map((n) => n.url)
    subscribers = urls.map((_, i) => failoverSubscriber(urls, ['feed'], i))
    await Promise.all(subscribers.map((s) => s.waitFor(() => s.opens() === 1, 'open')))
    const victim = nodes[0] as ServerProcess
    const alive = () =>
      victim.child.exitCode === null && victim.child.signalCode === null ? urls : urls.slice(1)

    const sent: string[] = []
    const onVictim = subscribers[0] as FailoverSubscriber
    for (let i = 0; i < 150; i++) {
      if (i === 60) {
        // Mid-stream: the victim's subscriber has received some events, then the node dies.
        await onVictim.waitFor(() => onVictim.events.length >= 40, '40 events before the kill')
        victim.child.kill('SIGKILL')
        await victim.exited
      }
      sent.push(await publishAnywhere(alive, 'feed', String(i), i))
    }

    await Promise.all(subscribers.map((s) => s.waitForEvents(sent.length)))
    for (const s of subscribers) {
      expect(s.events.map((e) => e.id)).toEqual(sent)
      expect(s.events.map((e) => e.data)).toEqual(sent.map((_, i) => String(i)))
    }
    expect(onVictim.opens()).toBe(2)
    expect(onVictim.events.at(-1)?.via).not.toBe(urls[0])
  }, 30_000)

  it('replays on any node what a client missed, publisher ids included', async () => {
    redis = await startRedis()
    nodes = await spawnNodes(2, redis.url)
    const [first, second] = nodes.map((n) => n.url) as [string, string]
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const own = i % 2 === 0 ? `order-${i}` : undefined
      const answer = await publishTo(i < 3 ? first : second, 'r', String(i), own)
      ids.push(answer.body)
    }
    expect(ids[0]).toBe('order-0')
    // Each read is a client that saw events on the first node and reconnects to the second.
    expect((await readEvents(second, 'r', ids[1] as string, 4)).data).toEqual(['2', '3', '4', '5'])
    expect((await readEvents(second, 'r', 'order-2', 3)).data).toEqual(['3', '4', '5'])
    expect((await readEvents(second, 'r', 'never-published', 7)).data).toEqual([
      '{"lastEventId":"never-published"}',
      ...['0', '1', '2', '3', '4', '5'],
    ])
  }, 30_000)
})
