import { afterEach, describe, expect, it } from 'vitest'
import type { HubAppOptions } from '../../src/app/options.js'
import { createMetricsRegistry, registryEndpoint } from '../../src/metrics/prometheus.js'
import { sample, scrape } from '../helpers/metrics.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let server: TestServer | undefined
const streams: RawStream[] = []
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await server?.close()
  server = undefined
})

async function serveWithMetrics(options: HubAppOptions = {}): Promise<TestServer> {
  server = await startTestServer({
    // No heartbeats: a stream's bytes are then its events' alone.
    heartbeatMs: null,
    metrics: (app) => registryEndpoint(createMetricsRegistry({ app, processMetrics: false })),
    ...options,
  })
  return server
}

async function open(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const stream = await openRawStream(url, headers)
  streams.push(stream)
  return stream
}

async function publish(url: string, topic: string, data: string): Promise<string> {
  const response = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic, data }),
  })
  expect(response.status).toBe(200)
  return response.text()
}

const bytesOf = (text: string) => Buffer.byteLength(text)

describe('GET /metrics', () => {
  it('counts publishes, deliveries to every stream, their bytes, and replays', async () => {
    const { url } = await serveWithMetrics()
    // Three streams of one topic (one fan-out) and one of two topics (a subscription its own).
    const group = await Promise.all([1, 2, 3].map(() => open(`${url}/events?topic=t`)))
    const own = await open(`${url}/events?topic=t&topic=u`)
    const before = await scrape(url)
    expect(sample(before, 'ssehub_streams')).toBe(4)
    expect(sample(before, 'ssehub_events_delivered_total')).toBe(0)

    const ids: string[] = []
    for (let i = 1; i <= 5; i++) ids.push(await publish(url, 't', `event ${i}`))
    for (const stream of [...group, own]) await stream.waitFor('data: event 5\n')

    const live = await scrape(url)
    expect(sample(live, 'ssehub_events_published_total')).toBe(5)
    expect(sample(live, 'ssehub_events_delivered_total')).toBe(20)
    // Streams open without `retry:` (the test server's): they received the events' bytes alone.
    const received = [...group, own].reduce((sum, s) => sum + bytesOf(s.text()), 0)
    expect(sample(live, 'ssehub_delivered_bytes_total')).toBe(received)
    expect(sample(live, 'ssehub_replays_total')).toBe(0)

    const resumed = await open(`${url}/events?topic=t`, { 'last-event-id': ids[1] as string })
    await resumed.waitFor('data: event 5\n')
    const gap = await open(`${url}/events?topic=t`, { 'last-event-id': 'long gone' })
    await gap.waitFor('data: event 5\n')

    const after = await scrape(url)
    expect(sample(after, 'ssehub_replays_total')).toBe(2)
    expect(sample(after, 'ssehub_replay_gaps_total')).toBe(1)
    // Events 3-5 for the first resume, all five kept for the second.
    expect(sample(after, 'ssehub_events_delivered_total')).toBe(20 + 3 + 5)
    // The gap notice the second got first is the server's, not an event.
    const notice = /^event: ssehub-history-gap\n.*\n\n/.exec(gap.text())?.[0] ?? ''
    expect(notice).not.toBe('')
    expect(sample(after, 'ssehub_delivered_bytes_total')).toBe(
      received + bytesOf(resumed.text()) + bytesOf(gap.text()) - bytesOf(notice),
    )
    expect(sample(after, 'ssehub_subscriptions')).toBe(6)
    expect(sample(after, 'ssehub_history_events')).toBe(5)
  })

  it('counts a request refused by a limit under its reason', async () => {
    const { url } = await serveWithMetrics({ maxPublishBytes: 64 })
    const response = await fetch(`${url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 't', data: 'x'.repeat(100) }),
    })
    expect(response.status).toBe(413)
    const samples = await scrape(url)
    expect(sample(samples, 'ssehub_requests_refused_total{reason="size"}')).toBe(1)
    expect(sample(samples, 'ssehub_requests_refused_total{reason="rate"}')).toBe(0)
    // A refusal that is no limit's (a bad topic) is not counted.
    const bad = await fetch(`${url}/events?topic=`)
    expect(bad.status).toBe(400)
    const later = await scrape(url)
    const refused = [...later].filter(([series]) => series.startsWith('ssehub_requests_refused'))
    expect(refused.reduce((sum, [, value]) => sum + value, 0)).toBe(1)
  })

  it('counts requests over the topic caps as topics refusals, and over the selector limits as selectors', async () => {
    const { url } = await serveWithMetrics()
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`)
    const subscribe = await fetch(`${url}/events?${many.map((t) => `topic=${t}`).join('&')}`)
    expect(subscribe.status).toBe(400)
    const publish = await fetch(`${url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: many, data: 'x' }),
    })
    expect(publish.status).toBe(400)
    const mercure = await fetch(
      `${url}/.well-known/mercure?${many.map((t) => `topic=${t}`).join('&')}`,
    )
    expect(mercure.status).toBe(400)
    const samples = await scrape(url)
    expect(sample(samples, 'ssehub_requests_refused_total{reason="topics"}')).toBe(2)
    expect(sample(samples, 'ssehub_requests_refused_total{reason="selectors"}')).toBe(1)
  })

  it('has as many series after 500 topics as after one: no topic becomes a label', async () => {
    const { url } = await serveWithMetrics()
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => open(`${url}/events?topic=topic-${i * 25}`)),
    )
    await publish(url, 'topic-0', 'first')
    const before = await scrape(url)
    // In batches: a request per event would take the test's time for nothing more.
    for (let from = 1; from < 500; from += 100) {
      const batch = Array.from({ length: Math.min(100, 500 - from) }, (_, i) => ({
        topic: `topic-${from + i}`,
        data: String(from + i),
      }))
      const response = await fetch(`${url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      })
      expect(response.status).toBe(200)
    }
    const after = await scrape(url)
    expect(sample(after, 'ssehub_events_published_total')).toBe(500)
    expect(sample(after, 'ssehub_events_delivered_total')).toBe(20)
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
    expect([...after.keys()].filter((series) => series.includes('topic-'))).toEqual([])
  })

  it('is not served without the metrics option', async () => {
    server = await startTestServer()
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
  })
})

describe('GET /readyz', () => {
  it('answers 200 while ready, 503 once the app drains, while /healthz stays 200', async () => {
    const { url, app } = await serveWithMetrics()
    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready' })

    app.drain()
    const draining = await fetch(`${url}/readyz`)
    expect(draining.status).toBe(503)
    expect(await draining.json()).toMatchObject({ status: 'draining' })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect(sample(await scrape(url), 'ssehub_ready')).toBe(0)
    // Draining is for the balancer: clients are still served.
    const stream = await open(`${url}/events?topic=t`)
    await publish(url, 't', 'still served')
    await stream.waitFor('data: still served\n')
  })
})
