import { afterEach, describe, expect, it } from 'vitest'
import { type RecordingEventSource, recordEventSource } from '../helpers/event-source.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
const sources: RecordingEventSource[] = []
afterEach(async () => {
  for (const source of sources.splice(0)) source.close()
  await server?.close()
  server = undefined
})

const CLIENTS = 2000

/** The first `retry:` on a stream, read from a copy of its body. */
async function firstRetry(body: ReadableStream<Uint8Array>): Promise<number> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return Number.NaN
    text += decoder.decode(value, { stream: true })
    const match = /^retry: (\d+)\n/m.exec(text)
    if (match !== null) {
      // Not awaited: a branch of a tee is cancelled for good only with the other.
      void reader.cancel()
      return Number(match[1])
    }
  }
}

describe('a reconnect storm', () => {
  // When the reconnects land depends on how busy this one process is, so that is not asserted;
  // what each client is told is: every stream's retry: is its own, spread over the window.
  it(`brings back ${CLIENTS} clients dropped at once, each told its own retry: within the window; none gives up, none loses an event`, async () => {
    server = await startTestServer({ retryMs: 1000, retrySpreadMs: 2000 })
    const retries: number[] = []
    for (let i = 0; i < CLIENTS; i++) {
      const onResponse = (response: Response) => {
        const [mine, theirs] = (response.body as ReadableStream<Uint8Array>).tee()
        void firstRetry(mine).then((retry) => retries.push(retry))
        return new Response(theirs, response)
      }
      sources.push(recordEventSource(`${server.url}/events?topic=storm`, { onResponse }))
    }
    await Promise.all(sources.map((source) => source.waitForOpen(1, 30_000)))
    const ids: string[] = []
    for (let i = 0; i < 3; i++)
      ids.push((await server.app.hub.publish('storm', { data: `${i}` })).id)
    await Promise.all(sources.map((source) => source.waitForEvents(3, 30_000)))

    // Every connection cut at once, as when a balancer or the network drops them.
    server.server.closeAllConnections()
    for (let i = 3; i < 6; i++)
      ids.push((await server.app.hub.publish('storm', { data: `${i}` })).id)

    await Promise.all(sources.map((source) => source.waitForOpen(2, 30_000)))
    await Promise.all(sources.map((source) => source.waitForEvents(6, 30_000)))

    for (const source of sources) {
      expect(source.source.readyState).not.toBe(source.source.CLOSED)
      expect(source.events.map((event) => event.lastEventId)).toEqual(ids)
    }
    // Two connections each; the retry: of each spread uniformly over 1-3 s.
    expect(retries.length).toBe(2 * CLIENTS)
    retries.sort((a, b) => a - b)
    const quantile = (q: number) => retries[Math.floor(q * (retries.length - 1))] as number
    expect(quantile(0)).toBeGreaterThanOrEqual(1000)
    expect(quantile(1)).toBeLessThanOrEqual(3000)
    expect(quantile(0.1)).toBeLessThan(1400)
    expect(quantile(0.9)).toBeGreaterThan(2600)
  }, 90_000)
})
