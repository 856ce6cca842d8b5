import { describe, expect, it } from 'vitest'
import { events } from '../../../src/client/events.js'
import type { FetchLike } from '../../../src/client/options.js'

/** A fetch answering with `chunks`, each produced only when the client reads, logged. */
function pulledFetch(chunks: string[], log: string[]): FetchLike {
  return async () => {
    let index = 0
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const chunk = chunks[index++]
          if (chunk === undefined) return controller.close()
          log.push(`read ${index}`)
          controller.enqueue(new TextEncoder().encode(chunk))
        },
      },
      // No chunk is made ahead of a read: the log shows when the client reads.
      { highWaterMark: 0 },
    )
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
  }
}

describe('events()', () => {
  it('reads no further than the loop takes', async () => {
    const log: string[] = []
    const fetch = pulledFetch(['data: 1\n\ndata: 2\n\n', 'data: 3\n\n', 'data: 4\n\n'], log)
    const controller = new AbortController()
    for await (const event of events('http://hub.test/events', {
      fetch,
      signal: controller.signal,
    })) {
      log.push(`took ${event.data}`)
      // A loop body that is slow: the client could read on meanwhile, and must not.
      await new Promise((resolve) => setTimeout(resolve, 0))
      if (event.data === '4') controller.abort()
    }
    expect(log).toEqual(['read 1', 'took 1', 'took 2', 'read 2', 'took 3', 'read 3', 'took 4'])
  })
})
