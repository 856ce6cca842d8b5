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

describe('a reconnect storm', () => {
  // Each stream's retry: is its own (events.test.ts checks the spread); here, that a crowd cut
  // at once all comes back with nothing lost. When the reconnects land depends on how busy this
  // one process is, so it is not asserted.
  it(`brings back ${CLIENTS} clients dropped at once: none gives up, none loses an event`, async () => {
    server = await startTestServer({ retryMs: 1000, retrySpreadMs: 2000 })
    for (let i = 0; i < CLIENTS; i++) {
      sources.push(recordEventSource(`${server.url}/events?topic=storm`))
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
  }, 90_000)
})
