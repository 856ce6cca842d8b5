/**
 * ssehub/client against a raw-socket server that misbehaves: a line that never ends, a refusal
 * whose body stops coming. The client must stay bounded and go on.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { EventSource } from '../../src/client/event-source.js'
import { events } from '../../src/client/events.js'
import type { EventSourceInit } from '../../src/client/options.js'
import { createCondition } from '../helpers/condition.js'
import { EVENT_STREAM, type RawSseServer, startRawSseServer } from '../helpers/raw-sse-server.js'

let server: RawSseServer | undefined
const sources: EventSource[] = []
afterEach(async () => {
  for (const source of sources.splice(0)) source.close()
  await server?.close()
  server = undefined
})

/** A source on the raw server, and what it did: `open`, `message <data>`, `error <readyState>`. */
function open(raw: RawSseServer, init: EventSourceInit = {}, path = '/') {
  const source = new EventSource(`${raw.url}${path}`, { reconnectionMs: 0, ...init })
  sources.push(source)
  const log: string[] = []
  const condition = createCondition()
  const push = (entry: string) => {
    log.push(entry)
    condition.changed()
  }
  source.onopen = () => push('open')
  source.onmessage = (event) => push(`message ${String(event.data)}`)
  source.onerror = () => push(`error ${source.readyState}`)
  const until = (count: number) =>
    condition.until(
      () => log.length >= count,
      () => `${count} entries; got ${JSON.stringify(log)}`,
      5000,
    )
  return { source, log, until }
}

describe('ssehub/client and a server that never ends a line', () => {
  it('drops an event past maxEventLength, keeps none of it, and dispatches the next', async () => {
    server = await startRawSseServer()
    const { log, until } = open(server, { maxEventLength: 64 * 1024 })
    const exchange = await server.request(0)
    await exchange.head(200, EVENT_STREAM)
    await exchange.write('data: before\n\ndata: ')
    // 1 MiB of one line, sixteen times the limit.
    const piece = 'x'.repeat(16 * 1024)
    for (let i = 0; i < 64; i++) await exchange.write(piece)
    await exchange.write('\n\ndata: after\n\n')
    await until(3)
    expect(log).toEqual(['open', 'message before', 'message after'])
  })

  it('has a default limit: events() drops an event over 16 Mi characters', async () => {
    server = await startRawSseServer()
    const controller = new AbortController()
    const received: string[] = []
    const loop = (async () => {
      for await (const event of events(`${server?.url}/`, { signal: controller.signal })) {
        received.push(event.data.length > 20 ? `${event.data.length} characters` : event.data)
        if (event.data === 'after') controller.abort()
      }
    })()
    const exchange = await server.request(0)
    await exchange.head(200, EVENT_STREAM)
    await exchange.write('data: ')
    const piece = 'y'.repeat(1024 * 1024)
    for (let i = 0; i < 17; i++) await exchange.write(piece)
    await exchange.write('\n\ndata: after\n\n')
    await loop
    expect(received).toEqual(['after'])
  })
})

/** Answers the first request 503 with problem details of 200 bytes, of which only `first` comes. */
async function stalledRefusal(on: RawSseServer, first: string): Promise<void> {
  const exchange = await on.request(0)
  await exchange.head(503, { 'content-type': 'application/problem+json', 'content-length': '200' })
  await exchange.write(first)
}

describe('ssehub/client and a refusal whose body stops coming', () => {
  it('fails the connection all the same, without the body', async () => {
    server = await startRawSseServer()
    const { log, until } = open(server)
    await stalledRefusal(server, '{"detail":"over')
    // The rest of the 200 bytes never comes; the connection stays open.
    await until(1)
    expect(log).toEqual(['error 2'])
  })

  it('retries it with retryOnFailure', async () => {
    server = await startRawSseServer()
    const { until } = open(server, { retryOnFailure: { initialMs: 1, maxMs: 1 } })
    await stalledRefusal(server, '{')
    await until(1)
    await server.request(1)
  })
})

describe('ssehub/client and an id no header can carry', () => {
  it('reconnects without Last-Event-ID rather than fail every attempt', async () => {
    server = await startRawSseServer()
    const { until } = open(server)
    const first = await server.request(0)
    await first.head(200, EVENT_STREAM)
    await first.write('id: a\u0001b\ndata: x\n\n')
    await until(2)
    first.end()
    const second = await server.request(1)
    expect(second.headers.has('last-event-id')).toBe(false)
  })
})

describe('ssehub/client and a retry: no timer can take', () => {
  it('waits the longest a timer takes, not a millisecond, for 400 digits of retry:', async () => {
    // Node runs a timer past 2^31 - 1 ms after 1 ms, and says so with this warning.
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      server = await startRawSseServer()
      const { until } = open(server)
      const exchange = await server.request(0)
      await exchange.head(200, EVENT_STREAM)
      await exchange.write(`retry: ${'9'.repeat(400)}\n\n`)
      exchange.end()
      await until(2)
      // The wait starts as the error is dispatched; a warning would follow on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).not.toContain('TimeoutOverflowWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })
})
