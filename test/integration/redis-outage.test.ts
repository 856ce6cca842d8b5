import { afterEach, describe, expect, it } from 'vitest'
import {
  type FailoverSubscriber,
  failoverSubscriber,
  publishTo,
  readEvents,
  spawnNodes,
  waitForLog,
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

/** Publishes `data` on `url`, again while it is answered 503 (Redis still away), up to 10 s. */
async function publishUntilAccepted(url: string, data: string): Promise<string> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const answer = await publishTo(url, 'feed', data)
    if (answer.status === 200) return answer.body
    if (answer.status !== 503 || Date.now() > deadline) {
      throw new Error(`publish answered ${answer.status}: ${answer.body}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Three nodes, a subscriber on each, `count` events published and received. */
async function clusterWithEvents(count: number) {
  nodes = await spawnNodes(3, (redis as TestRedis).url)
  const urls = nodes.map((n) => n.url)
  subscribers = urls.map((_, i) => failoverSubscriber(urls, ['feed'], i))
  await Promise.all(subscribers.map((s) => s.waitFor(() => s.opens() === 1, 'open')))
  const sent: string[] = []
  for (let i = 0; i < count; i++)
    sent.push(await publishUntilAccepted(urls[i % 3] as string, `${i}`))
  await Promise.all(subscribers.map((s) => s.waitForEvents(count)))
  return { urls, sent }
}

/** Waits until every subscriber has received `n` more heartbeats than it has now. */
async function heartbeatsGoOn(n: number) {
  const total = (s: FailoverSubscriber) => [...s.heartbeats.values()].reduce((a, b) => a + b, 0)
  await Promise.all(
    subscribers.map((s) => {
      const from = total(s)
      return s.waitFor(() => total(s) >= from + n, `${n} heartbeats`)
    }),
  )
}

describe('a cluster when Redis goes away', () => {
  it('answers publishes 503 during the outage, keeps streams open, and resumes with nothing lost', async () => {
    redis = await startRedis({ aof: true })
    const { urls, sent } = await clusterWithEvents(10)
    const logFrom = nodes.map((n) => n.stderr().length)

    await redis.stop('SIGKILL')
    await Promise.all(
      nodes.map((n, i) => waitForLog(n, /lost the connection to Redis/, { from: logFrom[i] })),
    )
    for (const url of urls) {
      const health = await fetch(`${url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'ok', store: 'unreachable' })
      const refused = await publishTo(url, 'feed', 'during the outage')
      expect(refused.status).toBe(503)
      expect(JSON.parse(refused.body)).toMatchObject({
        code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
        detail: expect.stringMatching(
          /^Redis is unavailable: the event was not acknowledged; publish it again \(not connected\)$/,
        ),
      })
    }
    // A client resuming meanwhile cannot be replayed to: its stream is closed, and it retries.
    expect(await readEvents(urls[1] as string, 'feed', sent[0] as string, 1)).toEqual({
      ids: [],
      data: [],
    })
    await heartbeatsGoOn(3)
    await redis.start()
    await Promise.all(
      nodes.map((n, i) => waitForLog(n, /tailing the Redis stream again/, { from: logFrom[i] })),
    )
    for (let i = 10; i < 20; i++)
      sent.push(await publishUntilAccepted(urls[i % 3] as string, `${i}`))
    for (const url of urls) {
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ store: 'reachable' })
    }
    await Promise.all(subscribers.map((s) => s.waitForEvents(20)))
    for (const s of subscribers) {
      expect(s.events.map((e) => e.id)).toEqual(sent)
      expect(s.opens()).toBe(1)
    }
    // The stream came back from the AOF: a client resuming from before the outage is replayed all.
    const resumed = await readEvents(urls[2] as string, 'feed', sent[4] as string, 15)
    expect(resumed.ids).toEqual(sent.slice(5))
    for (const node of nodes) expect(node.stderr()).not.toMatch(/stream was reset/)
  }, 30_000)

  it('recovers when Redis comes back empty, and says so in the log', async () => {
    redis = await startRedis({ aof: false })
    const { urls, sent } = await clusterWithEvents(5)
    const logFrom = nodes.map((n) => n.stderr().length)

    await redis.stop('SIGKILL')
    await Promise.all(
      nodes.map((n, i) => waitForLog(n, /lost the connection to Redis/, { from: logFrom[i] })),
    )
    await redis.start()
    // The first publish may land in the new stream before some nodes have noticed the reset.
    for (let i = 5; i < 10; i++)
      sent.push(await publishUntilAccepted(urls[i % 3] as string, `${i}`))
    await Promise.all(
      nodes.map((n, i) =>
        waitForLog(n, /"msg":"the Redis stream was reset[^"]*"/, { from: logFrom[i] }),
      ),
    )
    await Promise.all(subscribers.map((s) => s.waitForEvents(10)))
    for (const s of subscribers) {
      expect(s.events.map((e) => e.id)).toEqual(sent)
      expect(s.opens()).toBe(1)
    }
  }, 30_000)
})
