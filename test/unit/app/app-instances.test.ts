import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHubApp, type HubApp } from '../../../src/app/app.js'
import type { HubRequest, HubResponse } from '../../../src/http/types.js'
import { memorySink } from '../../helpers/streams.js'

const apps: HubApp[] = []
afterEach(() => {
  vi.useRealTimers()
  for (const app of apps.splice(0)) app.close()
})

function app(): HubApp {
  const made = createHubApp({ heartbeatMs: null, retryMs: null })
  apps.push(made)
  return made
}

function get(path: string): HubRequest {
  return {
    method: 'GET',
    url: new URL(path, 'http://hub.test'),
    httpVersionMajor: 1,
    header: () => undefined,
    body: async () => new Uint8Array(),
  }
}

/** Opens `/events?topic=t` on `app` over a memory sink. */
async function openStream(hubApp: HubApp): Promise<{ chunks: string[] }> {
  const response: HubResponse = await hubApp.handle(get('/events?topic=t'))
  if (!('start' in response)) throw new Error(`no stream: ${response.status}`)
  const sink = memorySink()
  response.start(sink)
  return sink
}

/** Lets the microtasks after a publish run (the hub's tail delivers in them), not a turn. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe('two apps in one process', () => {
  it('share no flush scheduler: one app busy leaves the other writing at once', async () => {
    // The clock stands still: an app that wrote in a turn stays busy for the next ones.
    vi.useFakeTimers({ toFake: ['performance'] })
    const [a, b] = [app(), app()]
    const [sinkA, sinkB] = [await openStream(a), await openStream(b)]
    await a.hub.publish('t', { id: 'a1', data: 'a1' })
    await microtasks()
    // After a quiet spell the first write goes at once.
    expect(sinkA.chunks).toEqual(['id: a1\ndata: a1\n\n'])
    await new Promise((resolve) => setImmediate(resolve))
    // A's scheduler is busy now: its next write queues for the turn's flush...
    await a.hub.publish('t', { id: 'a2', data: 'a2' })
    await microtasks()
    expect(sinkA.chunks).toEqual(['id: a1\ndata: a1\n\n'])
    // ...while B, which has written nothing, still writes at once.
    await b.hub.publish('t', { id: 'b1', data: 'b1' })
    await microtasks()
    expect(sinkB.chunks).toEqual(['id: b1\ndata: b1\n\n'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(sinkA.chunks).toEqual(['id: a1\ndata: a1\n\n', 'id: a2\ndata: a2\n\n'])
  })
})
