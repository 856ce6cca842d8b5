import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import {
  listSubscriptions,
  mercureUrl,
  mintToken,
  SECRET,
  subscriptionEventsRequest,
  subscriptionUpdatesIn,
} from '../helpers/mercure.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let processes: ServerProcess[] = []
const streams: RawStream[] = []
afterEach(() => {
  for (const s of streams.splice(0)) s.close()
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

async function serveWorkers(args: string[] = []) {
  const started = await spawnServer(['--workers', '2', ...args])
  processes.push(started)
  return started
}

/** `/healthz` over a fresh connection each time, so the cluster hands it to either worker. */
async function health(url: string): Promise<{ pid: number; streams: number }> {
  const response = await fetch(`${url}/healthz`, { headers: { connection: 'close' } })
  return (await response.json()) as { pid: number; streams: number }
}

/** Streams open on each worker, by pid, once both have answered. */
async function streamsByWorker(url: string, expectedTotal: number) {
  const seen = new Map<number, number>()
  for (let i = 0; i < 50; i++) {
    const { pid, streams: open } = await health(url)
    seen.set(pid, open)
    const total = [...seen.values()].reduce((a, b) => a + b, 0)
    if (seen.size === 2 && total === expectedTotal) break
  }
  return seen
}

async function open(url: string, headers: Record<string, string> = {}) {
  const stream = await openRawStream(url, headers)
  streams.push(stream)
  return stream
}

/** Mercure subscribers of `https://example.com/1`…`/count`, spread over both workers. */
async function mercureSubscribers(url: string, count: number) {
  const token = await mintToken({ subscribe: ['https://example.com/{n}'] })
  const topics = Array.from({ length: count }, (_, i) => `https://example.com/${i + 1}`)
  const opened = []
  for (const topic of topics) {
    opened.push(await open(mercureUrl(url, [topic]), { authorization: `Bearer ${token}` }))
  }
  const byWorker = await streamsByWorker(url, count)
  expect(byWorker.size).toBe(2)
  for (const open of byWorker.values()) expect(open).toBeGreaterThan(0)
  return { topics, streams: opened, byWorker }
}

const dataLines = (text: string) => [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1])
const idLines = (text: string) => [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1])

describe('ssehub serve --workers', () => {
  it('fans out in two worker processes with one hub state: every subscriber gets every event once, in one order', async () => {
    const hub = await serveWorkers(['--no-clock'])
    expect(hub.stderr().match(/"msg":"listening"/g)).toHaveLength(1)
    expect(hub.stderr()).toMatch(/"msg":"listening".*"workers":2/)
    const subscribers = await Promise.all(
      Array.from({ length: 6 }, () => open(`${hub.url}/events?topic=t`)),
    )
    const byWorker = await streamsByWorker(hub.url, 6)
    expect(byWorker.size).toBe(2)
    for (const count of byWorker.values()) expect(count).toBeGreaterThan(0)
    // Each publish on a fresh connection: both workers take publishes.
    for (let i = 1; i <= 20; i++) {
      const response = await fetch(`${hub.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ topic: 't', data: String(i) }),
      })
      expect(response.status).toBe(200)
    }
    const expected = Array.from({ length: 20 }, (_, i) => String(i + 1))
    const orders = new Set<string>()
    for (const stream of subscribers) {
      await stream.waitFor(/data: 20\n/)
      expect(dataLines(stream.text())).toEqual(expected)
      orders.add(idLines(stream.text()).join(' '))
    }
    expect(orders.size).toBe(1)
  })

  it('replays on any worker what a subscriber missed', async () => {
    const hub = await serveWorkers(['--no-clock'])
    const ids: string[] = []
    for (let i = 1; i <= 5; i++) {
      const response = await fetch(`${hub.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ topic: 'r', data: String(i) }),
      })
      ids.push(await response.text())
    }
    // Several resumes, each on a new connection: both workers serve one.
    for (let i = 0; i < 4; i++) {
      const stream = await open(`${hub.url}/events?topic=r`, { 'last-event-id': ids[1] as string })
      await stream.waitFor(/data: 5\n/)
      expect(dataLines(stream.text())).toEqual(['3', '4', '5'])
    }
  })

  it('delivers on both workers, live and replayed, the bytes one process would send', async () => {
    const hub = await serveWorkers(['--no-clock'])
    const event = {
      topic: 'w',
      id: 'exact-1',
      event: 'note',
      retry: 2500,
      // Lines, non-ASCII text, an astral character, a lone surrogate (sent as U+FFFD), a colon.
      data: 'first line\nsecond: é ✓ 🎉 \ud800 end',
    }
    const expected =
      'event: note\nid: exact-1\nretry: 2500\ndata: first line\ndata: second: é ✓ 🎉 \ufffd end\n\n'
    const live = await Promise.all(
      Array.from({ length: 4 }, () => open(`${hub.url}/events?topic=w`)),
    )
    expect((await streamsByWorker(hub.url, 4)).size).toBe(2)
    const published = await fetch(`${hub.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify(event),
    })
    expect(published.status).toBe(200)
    for (const stream of live) {
      await stream.waitFor(/ end\n\n/)
      expect(stream.text().slice(stream.text().indexOf('event: note'))).toBe(expected)
    }
    for (let i = 0; i < 4; i++) {
      const replayed = await open(`${hub.url}/events?topic=w&lastEventID=none`)
      await replayed.waitFor(/ end\n\n/)
      expect(replayed.text().slice(replayed.text().indexOf('event: note'))).toBe(expected)
    }
  })

  it("lists every worker's Mercure subscriptions, whichever worker answers", async () => {
    const hub = await serveWorkers(['--no-clock', '--jwt-key', SECRET, '--subscriptions'])
    const { topics } = await mercureSubscribers(hub.url, 4)
    // Fresh connections take turns between the workers: each answers several of these.
    for (let i = 0; i < 6; i++) {
      const listed = await listSubscriptions(hub.url)
      expect(listed.subscriptions.map((s) => s.topic).sort()).toEqual(topics)
    }
  })

  it('ends the subscriptions of a worker that dies: gone from the list, and their end published', async () => {
    const hub = await serveWorkers(['--no-clock', '--jwt-key', SECRET, '--subscriptions'])
    const { topics, streams: subscribers, byWorker } = await mercureSubscribers(hub.url, 4)
    const before = await listSubscriptions(hub.url)
    const ended = new Set<string>()
    for (const [i, stream] of subscribers.entries()) {
      void stream.ended.then(() => ended.add(topics[i] as string))
    }
    const { pid } = await health(hub.url)
    process.kill(pid, 'SIGKILL')
    const lost = byWorker.get(pid) as number
    await expect.poll(() => ended.size, { timeout: 10_000 }).toBe(lost)
    const survivors = topics.filter((t) => !ended.has(t))
    await expect
      .poll(
        async () => (await listSubscriptions(hub.url)).subscriptions.map((s) => s.topic).sort(),
        {
          timeout: 10_000,
        },
      )
      .toEqual(survivors)
    // What changed since the list read before: exactly the lost subscriptions' end.
    const changes = await open(...(await subscriptionEventsRequest(hub.url, before.lastEventID)))
    await changes.waitFor(new RegExp(`("active":false.*\n\n[\\s\\S]*){${lost}}`))
    const updates = subscriptionUpdatesIn(changes.text(), (topic) => topics.includes(topic))
    expect(updates.every((u) => u.active === false)).toBe(true)
    expect(updates.map((u) => u.topic).sort()).toEqual([...ended].sort())
  })

  it('sends each stream one clock tick a second, not one per worker', async () => {
    const hub = await serveWorkers(['--clock'])
    const stream = await open(`${hub.url}/events`)
    await stream.waitFor(/(data: Server time is [^\n]*\n[\s\S]*){3}/, 6000)
    const ticks = dataLines(stream.text())
    expect(new Set(ticks).size).toBe(ticks.length)
  })

  it('replaces a worker that dies, and keeps serving', async () => {
    const hub = await serveWorkers(['--no-clock'])
    const { pid } = await health(hub.url)
    process.kill(pid, 'SIGKILL')
    await expect
      .poll(() => hub.stderr(), { timeout: 10_000 })
      .toMatch(/a worker died; starting another/)
    // The replacement starts listening a moment after the log line: ask until it answers.
    const pids = new Set<number>()
    await expect
      .poll(async () => pids.add((await health(hub.url)).pid).size, { timeout: 10_000 })
      .toBe(2)
    expect(pids.has(pid)).toBe(false)
  })

  it('stops every worker on SIGTERM: streams get a retry hint, exit code 0', async () => {
    // No heartbeat: one due within a second of a worker's start could fall between the hints.
    const hub = await serveWorkers(['--no-clock', '--heartbeat', '0'])
    const a = await open(`${hub.url}/events?topic=a`)
    const b = await open(`${hub.url}/events?topic=a`)
    hub.child.kill('SIGTERM')
    await Promise.all([a.ended, b.ended])
    for (const stream of [a, b]) {
      // A jittered retry: on open, another at shutdown; heartbeats may come in between.
      expect(stream.text().replaceAll(':\n\n', '')).toMatch(/^retry: \d{4}\n\nretry: \d{4}\n\n$/)
    }
    expect(await hub.exited).toBe(0)
  })

  it('leaves no worker behind when the primary is killed', async () => {
    const hub = await serveWorkers(['--no-clock'])
    const pids = new Set<number>()
    for (let i = 0; i < 40 && pids.size < 2; i++) pids.add((await health(hub.url)).pid)
    hub.child.kill('SIGKILL')
    await hub.exited
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    await expect.poll(() => [...pids].filter(alive), { timeout: 10_000 }).toEqual([])
  })

  it.each([
    [['--workers', '0'], /--workers must be an integer from 1 to/],
    [['--workers', 'many'], /--workers must be an integer from 1 to/],
  ])('refuses %o with a message and exit code 2', async (args, message) => {
    const result = await runCli(['serve', '--port', '0', ...args])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })
})
