/**
 * `--workers 2` under a worker's death: a worker killed while events are published, its
 * subscribers resuming on another with `Last-Event-ID`, many times over. A race lost once in a
 * few kills shows only when the kill is repeated.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { type FailoverSubscriber, failoverSubscriber, waitForLog } from '../helpers/cluster.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const ROUNDS = 25
const SUBSCRIBERS = 6
const PUBLISHERS = 3
const EVENTS_PER_ROUND = 30
/** Acknowledged publishes before the kill: the rest go on while subscribers resume. */
const KILL_AFTER = 10

let hub: ServerProcess | undefined
const subscribers: FailoverSubscriber[] = []
afterEach(() => {
  for (const s of subscribers.splice(0)) s.close()
  hub?.child.kill('SIGKILL')
  hub = undefined
})

/** What one round found wrong, per subscriber summed; all zero when nothing was lost. */
interface RoundResult {
  readonly round: number
  readonly acknowledged: number
  readonly resumed: number
  readonly lost: number
  readonly duplicated: number
  readonly outOfOrder: number
  readonly gapNotices: number
  /** Subscribers whose events (to the newest acknowledged) differ from the first one's. */
  readonly differing: number
}

/** The pid of each worker by index, from the newest `worker listening` lines. */
function workerPids(server: ServerProcess): Map<number, number> {
  const pids = new Map<number, number>()
  for (const m of server
    .stderr()
    .matchAll(/"msg":"worker listening","worker":(\d+),"pid":(\d+)/g)) {
    pids.set(Number(m[1]), Number(m[2]))
  }
  return pids
}

/** One publish on a fresh connection (so both workers take some); its id once acknowledged. */
async function publish(url: string, topic: string, data: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ topic, data }),
      // Unanswered, not acknowledged: its worker was killed, or Node's cluster handed it to the
      // worker as it died and holds it open. Short, so such a round does not wait long.
      signal: AbortSignal.timeout(1500),
    })
    const body = await response.text()
    return response.status === 200 ? body : undefined
  } catch {
    return undefined
  }
}

/**
 * Subscribers on a fresh topic, publishers through both workers, one worker SIGKILLed once
 * `KILL_AFTER` publishes are acknowledged; the rest are published while its subscribers resume.
 */
async function killWhilePublishing(server: ServerProcess, round: number): Promise<RoundResult> {
  const topic = `round-${round}`
  // Until the primary has seen the death, Node's cluster may hand a new connection to the dead
  // worker, and it then hangs: new connections wait for that, as a client's retry delay would.
  let deathSeen: Promise<unknown> = Promise.resolve()
  const retryDelay = () => Promise.all([deathSeen, delay(10)])
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    failoverSubscriber([server.url], [topic], 0, { beforeReconnect: retryDelay }),
  )
  subscribers.push(...clients)
  await Promise.all(clients.map((s) => s.waitFor(() => s.opens() === 1, 'the stream open')))
  // Every subscriber has an id to resume from before the kill.
  const first = await publish(server.url, topic, 'first')
  expect(first).toBeDefined()
  await Promise.all(clients.map((s) => s.waitForEvents(1)))

  const acknowledged = [first as string]
  const victim = workerPids(server).get(round % 2) as number
  const diedBefore = server.stderr().match(/a worker died/g)?.length ?? 0
  let next = 1
  const publisher = async () => {
    while (next <= EVENTS_PER_ROUND) {
      await deathSeen
      const id = await publish(server.url, topic, String(next++))
      if (id === undefined) continue
      acknowledged.push(id)
      if (acknowledged.length === KILL_AFTER + 1) {
        const from = server.stderr().length
        process.kill(victim, 'SIGKILL')
        deathSeen = waitForLog(server, /a worker died/, { from })
      }
    }
  }
  await Promise.all(Array.from({ length: PUBLISHERS }, publisher))
  await deathSeen
  expect(server.stderr().match(/a worker died/g)?.length).toBe(diedBefore + 1)
  // The replacement listens before the next round kills again.
  await expect.poll(() => workerPids(server).get(round % 2), { timeout: 10_000 }).not.toBe(victim)

  // Events arrive in order: once the newest acknowledged one is in, nothing before it is to come.
  const newest = [...acknowledged].sort().at(-1) as string
  await Promise.all(
    clients.map((s) => s.waitFor(() => s.events.some((e) => e.id === newest), 'the newest event')),
  )
  const sequences = clients.map((s) => {
    const ids = s.events.filter((e) => e.type === 'message').map((e) => e.id)
    return ids.slice(0, ids.indexOf(newest) + 1)
  })
  let lost = 0
  let duplicated = 0
  let outOfOrder = 0
  for (const ids of sequences) {
    const received = new Set(ids)
    lost += acknowledged.filter((id) => !received.has(id)).length
    duplicated += ids.length - received.size
    // Ids the primary makes (UUIDv7) sort in the order it stored them.
    outOfOrder += ids.filter((id, i) => i > 0 && id <= (ids[i - 1] as string)).length
  }
  const same = (ids: string[]) => ids.join() === sequences[0]?.join()
  for (const s of clients) s.close()
  return {
    round,
    acknowledged: acknowledged.length,
    resumed: clients.filter((s) => s.opens() > 1).length,
    lost,
    duplicated,
    outOfOrder,
    gapNotices: clients.flatMap((s) => s.events).filter((e) => e.type !== 'message').length,
    differing: sequences.filter((ids) => !same(ids)).length,
  }
}

describe('ssehub serve --workers 2, a worker killed while publishing', () => {
  it(`loses no acknowledged event and repeats none, over ${ROUNDS} kills with subscribers resuming`, async () => {
    hub = await spawnServer(['--workers', '2', '--no-clock'])
    const results: RoundResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      results.push(await killWhilePublishing(hub, round))
    }
    // Each round cut some subscriber's stream, and most publishes were acknowledged.
    for (const r of results) {
      expect(r.resumed).toBeGreaterThan(0)
      expect(r.acknowledged).toBeGreaterThan(EVENTS_PER_ROUND / 2)
    }
    const faulty = results.filter(
      (r) => r.lost + r.duplicated + r.outOfOrder + r.gapNotices + r.differing > 0,
    )
    expect(faulty).toEqual([])
  }, 120_000)
})
