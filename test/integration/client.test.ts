/**
 * ssehub/client against a real hub: EventSource, events() and subscribe() receive what is
 * published, resume with Last-Event-ID without loss or repeat, and fail as the spec says.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { EventSource } from '../../src/client/event-source.js'
import { events } from '../../src/client/events.js'
import type { FetchLike } from '../../src/client/options.js'
import { subscribe } from '../../src/client/subscribe.js'
import { SseError } from '../../src/errors.js'
import type { ParsedEvent } from '../../src/protocol/types.js'
import { createCondition } from '../helpers/condition.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
const sources: EventSource[] = []
afterEach(async () => {
  for (const source of sources.splice(0)) source.close()
  await server?.close()
  server = undefined
})

/** A fetch whose first answer breaks right after its first chunk, as a dropped connection. */
function fetchBreakingOnce(): FetchLike {
  let broken = false
  return async (input, init) => {
    const response = await fetch(input, init)
    if (broken || response.body === null) return response
    broken = true
    let chunks = 0
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(chunk)
          if (++chunks === 1) controller.error(new Error('connection dropped by the test'))
        },
      }),
    )
    return new Response(body, { status: response.status, headers: response.headers })
  }
}

describe('ssehub/client against ssehub', () => {
  it('EventSource receives published events with their type and id', async () => {
    server = await startTestServer()
    const source = new EventSource(`${server.url}/events?topic=t`)
    sources.push(source)
    const received: string[] = []
    const condition = createCondition()
    const onEvent = (event: Event) => {
      const message = event as MessageEvent
      received.push(`${message.type}:${message.data}:${message.lastEventId === ''}`)
      condition.changed()
    }
    source.addEventListener('message', onEvent)
    source.addEventListener('note', onEvent)
    await new Promise((resolve) => source.addEventListener('open', resolve, { once: true }))
    await server.app.hub.publish('t', { data: 'one' })
    await server.app.hub.publish('t', { data: 'two', event: 'note' })
    await condition.until(
      () => received.length === 2,
      () => JSON.stringify(received),
      5000,
    )
    expect(received).toEqual(['message:one:false', 'note:two:false'])
    expect(source.readyState).toBe(EventSource.OPEN)
  })

  it('EventSource resumes a dropped stream with Last-Event-ID: each event once, in order', async () => {
    server = await startTestServer()
    const source = new EventSource(`${server.url}/events?topic=t`, {
      fetch: fetchBreakingOnce(),
      reconnectionMs: 0,
    })
    sources.push(source)
    const log: string[] = []
    const condition = createCondition()
    source.onopen = () => {
      log.push('open')
      condition.changed()
    }
    source.onerror = () => log.push('error')
    source.onmessage = (event) => {
      log.push(event.data)
      condition.changed()
    }
    await condition.until(
      () => log.includes('open'),
      () => 'open',
      5000,
    )
    await server.app.hub.publish('t', { data: 'e1' })
    await condition.until(
      () => log.includes('e1'),
      () => JSON.stringify(log),
      5000,
    )
    // Published as the first connection breaks: sent on it, or replayed after e1's id, once.
    await server.app.hub.publish('t', { data: 'e2' })
    await condition.until(
      () => log.filter((entry) => entry === 'open').length === 2,
      () => JSON.stringify(log),
      5000,
    )
    await server.app.hub.publish('t', { data: 'e3' })
    await condition.until(
      () => log.includes('e3'),
      () => JSON.stringify(log),
      5000,
    )
    expect(log.filter((entry) => /^e\d$/.test(entry))).toEqual(['e1', 'e2', 'e3'])
    expect(log.filter((entry) => entry === 'error')).toEqual(['error'])
  })

  it('events() yields every event after lastEventId, then ends when its signal aborts', async () => {
    server = await startTestServer()
    const first = await server.app.hub.publish('t', { data: 'a' })
    await server.app.hub.publish('t', { data: 'b', event: 'named' })
    await server.app.hub.publish('t', { data: 'c' })
    const controller = new AbortController()
    const seen: ParsedEvent[] = []
    for await (const event of events(`${server.url}/events?topic=t`, {
      lastEventId: first.id,
      signal: controller.signal,
    })) {
      seen.push(event)
      if (seen.length === 2) controller.abort()
    }
    expect(seen.map((e) => [e.event, e.data, e.hasId])).toEqual([
      ['named', 'b', true],
      ['message', 'c', true],
    ])
  })

  it('events() throws when the connection fails for good', async () => {
    server = await startTestServer({ maxSubscriptionTopics: 1 })
    const iterate = async () => {
      for await (const _ of events(`${server?.url}/events?topic=a&topic=b`)) {
        // nothing arrives
      }
    }
    const error = await iterate().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SseError)
    expect((error as SseError).code).toBe('ERR_SSE_CONNECT_FAILED')
    expect((error as SseError).message).toMatch(/got 400/)
  })

  it('events() ends with ERR_SSE_CLIENT_QUEUE_FULL when the loop lets too many wait', async () => {
    server = await startTestServer()
    const first = await server.app.hub.publish('t', { data: 'a' })
    for (const data of ['b', 'c', 'd']) await server.app.hub.publish('t', { data })
    // The replay of b, c and d arrives in one chunk: b waits for the loop, c finds no room.
    const iterator = events(`${server.url}/events?topic=t`, {
      lastEventId: first.id,
      maxQueuedEvents: 1,
    })
    const seen: string[] = []
    const error = await (async () => {
      for await (const event of iterator) seen.push(event.data)
    })().catch((caught: unknown) => caught)
    expect(seen).toEqual(['b'])
    expect((error as SseError).code).toBe('ERR_SSE_CLIENT_QUEUE_FULL')
  })

  it('subscribe() calls back with each event and resolves when aborted', async () => {
    server = await startTestServer()
    const controller = new AbortController()
    const statuses: boolean[] = []
    const data: string[] = []
    const condition = createCondition()
    const done = subscribe(`${server.url}/events?topic=t`, {
      signal: controller.signal,
      onStatus: (status) => {
        statuses.push(status.connected)
        condition.changed()
      },
      onEvent: (event) => {
        data.push(event.data)
        condition.changed()
      },
    })
    await condition.until(
      () => statuses.includes(true),
      () => 'connected',
      5000,
    )
    await server.app.hub.publish('t', { data: 'x' })
    await condition.until(
      () => data.length === 1,
      () => 'one event',
      5000,
    )
    controller.abort()
    await done
    expect(data).toEqual(['x'])
  })
})
