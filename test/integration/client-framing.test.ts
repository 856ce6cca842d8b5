/**
 * ssehub/client's EventSource against a raw-socket server that writes exactly the bytes, and the
 * splits, each case needs: framing split anywhere, the spec's failure rules, `retry:`, and
 * `Last-Event-ID` on reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { EventSource } from '../../src/client/event-source.js'
import type { EventSourceInit } from '../../src/client/options.js'
import { createCondition } from '../helpers/condition.js'
import {
  EVENT_STREAM,
  observedFetch,
  type RawSseServer,
  startRawSseServer,
} from '../helpers/raw-sse-server.js'

/** What a source did, in order: `open`, `message type data id`, `error <readyState>`. */
function record(source: EventSource, types: string[] = []) {
  const log: string[] = []
  const condition = createCondition()
  const push = (entry: string) => {
    log.push(entry)
    condition.changed()
  }
  source.onopen = () => push('open')
  source.onerror = () => push(`error ${source.readyState}`)
  const onMessage = (event: Event) => {
    const message = event as MessageEvent
    push(`${message.type} ${JSON.stringify(message.data)} ${JSON.stringify(message.lastEventId)}`)
  }
  source.onmessage = onMessage
  for (const type of types) source.addEventListener(type, onMessage)
  const until = (count: number) =>
    condition.until(
      () => log.length >= count,
      () => `${count} entries; got ${JSON.stringify(log)}`,
      5000,
    )
  // The log itself, so that a test compares it as the array it is.
  Object.defineProperty(log, 'until', { value: until, enumerable: false })
  return log as string[] & { until: typeof until }
}

let server: RawSseServer
const sources: EventSource[] = []
afterEach(async () => {
  for (const source of sources.splice(0)) source.close()
  await server?.close()
})

function open(path: string, init: EventSourceInit = {}): EventSource {
  const source = new EventSource(`${server.url}${path}`, { reconnectionMs: 0, ...init })
  sources.push(source)
  return source
}

/** Serves `pieces` as separate chunks, each once the client has received the one before. */
async function serveInPieces(pieces: Array<string | Uint8Array>) {
  server = await startRawSseServer()
  const observed = observedFetch()
  const source = open('/', { fetch: observed.fetch })
  const log = record(source)
  const exchange = await server.request(0)
  await exchange.head(200, EVENT_STREAM)
  for (const [index, piece] of pieces.entries()) {
    await exchange.write(piece)
    await observed.untilChunks(index + 1)
  }
  return { source, log, exchange }
}

const bytes = (text: string) => new TextEncoder().encode(text)

describe('ssehub/client EventSource reading split framing', () => {
  it('takes a CR and its LF split across two chunks as one line end', async () => {
    const { log } = await serveInPieces(['data: a\r', '\ndata: b\r\n\r\n'])
    await log.until(2)
    expect(log).toEqual(['open', 'message "a\\nb" ""'])
  })

  it('decodes a UTF-8 character split across chunks', async () => {
    const text = bytes('data: é😀\n\n')
    // Split inside the two-byte é and again inside the four-byte emoji.
    const { log } = await serveInPieces([text.slice(0, 7), text.slice(7, 10), text.slice(10)])
    await log.until(2)
    expect(log).toEqual(['open', 'message "é😀" ""'])
  })

  it('strips one byte order mark at the start of the stream, even split, and no other', async () => {
    const text = bytes('\uFEFFdata: x\n\n\uFEFFdata: y\n\ndata: z\n\n')
    const { log } = await serveInPieces([text.slice(0, 2), text.slice(2)])
    await log.until(3)
    expect(log).toEqual(['open', 'message "x" ""', 'message "z" ""'])
  })

  it('dispatches nothing for a stream of comments, and reconnects when it ends', async () => {
    const { log, exchange, source } = await serveInPieces([': hello\n\n', ':\n:there\n\n'])
    exchange.end()
    await log.until(2)
    expect(log).toEqual(['open', 'error 0'])
    expect(source.readyState).toBe(EventSource.CONNECTING)
    await server.request(1)
  })

  it('never dispatches an unterminated final event, nor sends its id', async () => {
    const { log, exchange } = await serveInPieces(['id: 1\ndata: a\n\nid: 2\ndata: b'])
    exchange.end()
    await log.until(3)
    expect(log).toEqual(['open', 'message "a" "1"', 'error 0'])
    const again = await server.request(1)
    expect(again.headers.get('last-event-id')).toBe('1')
  })

  it('ignores an id holding NUL, keeping the last event id it had', async () => {
    const { log, exchange } = await serveInPieces(['id: 7\ndata: a\n\nid: x\0y\ndata: b\n\n'])
    await log.until(3)
    expect(log).toEqual(['open', 'message "a" "7"', 'message "b" "7"'])
    exchange.end()
    const again = await server.request(1)
    expect(again.headers.get('last-event-id')).toBe('7')
  })

  it('dispatches named events to their listeners only, with the last event id carried', async () => {
    server = await startRawSseServer()
    const source = open('/')
    const log = record(source, ['greeting'])
    const exchange = await server.request(0)
    await exchange.head(200, EVENT_STREAM)
    await exchange.write(
      'event: greeting\nid: 5\ndata: hi\n\nevent: other\ndata: no\n\ndata: x\n\n',
    )
    await log.until(3)
    expect(log).toEqual(['open', 'greeting "hi" "5"', 'message "x" "5"'])
  })
})

describe('ssehub/client EventSource failing as the spec says', () => {
  /** Opens a source, answers its request with `status` and `headers`, returns its log. */
  async function answerWith(status: number, headers: Record<string, string>, init = {}) {
    server = await startRawSseServer()
    const source = open('/first', init)
    const log = record(source)
    const exchange = await server.request(0)
    await exchange.head(status, headers)
    exchange.end()
    return { source, log }
  }

  /** The next request the server sees is a probe's: the failed source did not come back. */
  async function expectNoRetry() {
    open('/probe')
    const next = await server.request(1)
    expect(next.target).toBe('/probe')
  }

  it('fails the connection for good on 204 No Content', async () => {
    const { source, log } = await answerWith(204, {})
    await log.until(1)
    expect(log).toEqual(['error 2'])
    expect(source.readyState).toBe(EventSource.CLOSED)
    await expectNoRetry()
  })

  it('fails the connection for good on 500 without retryOnFailure', async () => {
    const { log } = await answerWith(500, { 'content-type': 'text/plain' })
    await log.until(1)
    expect(log).toEqual(['error 2'])
    await expectNoRetry()
  })

  it('fails the connection for good on 200 with another content type', async () => {
    const { log } = await answerWith(200, { 'content-type': 'text/plain' })
    await log.until(1)
    expect(log).toEqual(['error 2'])
    await expectNoRetry()
  })

  it('takes text/event-stream with parameters and in any case as the event-stream type', async () => {
    server = await startRawSseServer()
    const log = record(open('/'))
    const exchange = await server.request(0)
    await exchange.head(200, { 'content-type': 'Text/Event-Stream; charset=utf-8' })
    await exchange.write('data: ok\n\n')
    await log.until(2)
    expect(log).toEqual(['open', 'message "ok" ""'])
  })

  // The statuses of web-platform-tests' eventsource/request-status-error.
  for (const status of [204, 205, 210, 299, 404, 410, 503]) {
    it(`fails the connection for good on ${status}`, async () => {
      const { log } = await answerWith(status, EVENT_STREAM)
      await log.until(1)
      expect(log).toEqual(['error 2'])
    })
  }

  it('takes "text/event-stream;" and a bogus charset as the event-stream type', async () => {
    server = await startRawSseServer()
    const log = record(open('/'))
    const first = await server.request(0)
    await first.head(200, { 'content-type': 'text/event-stream;' })
    await first.write('data: one\n\n')
    first.end()
    const second = await server.request(1)
    await second.head(200, { 'content-type': 'text/event-stream;charset=bogus' })
    await second.write('data: two\n\n')
    await log.until(5)
    expect(log).toEqual(['open', 'message "one" ""', 'error 0', 'open', 'message "two" ""'])
  })

  it('follows a redirect to another origin, and gives events the origin that answered', async () => {
    server = await startRawSseServer()
    const other = await startRawSseServer()
    try {
      const source = open('/old')
      const origins: string[] = []
      const log = record(source)
      source.addEventListener('message', (event) => origins.push((event as MessageEvent).origin))
      const first = await server.request(0)
      await first.head(307, { location: `${other.url}/new`, 'content-length': '0' })
      first.end()
      const moved = await other.request(0)
      expect(moved.target).toBe('/new')
      await moved.head(200, EVENT_STREAM)
      await moved.write('data: moved\n\n')
      await log.until(2)
      expect(log).toEqual(['open', 'message "moved" ""'])
      expect(origins).toEqual([other.url])
    } finally {
      await other.close()
    }
  })

  it('retries a 503 with retryOnFailure, then opens', async () => {
    const { source, log } = await answerWith(
      503,
      { 'content-type': 'text/plain' },
      { retryOnFailure: { initialMs: 1, maxMs: 1 } },
    )
    await log.until(1)
    expect(log).toEqual(['error 0'])
    const again = await server.request(1)
    await again.head(200, EVENT_STREAM)
    await log.until(2)
    expect(log).toEqual(['error 0', 'open'])
    expect(source.readyState).toBe(EventSource.OPEN)
  })

  it('fails for good after retryOnFailure.maxAttempts failed retries', async () => {
    const { log } = await answerWith(
      500,
      {},
      { retryOnFailure: { initialMs: 1, maxMs: 1, maxAttempts: 1 } },
    )
    const again = await server.request(1)
    await again.head(502, {})
    again.end()
    await log.until(2)
    expect(log).toEqual(['error 0', 'error 2'])
  })

  it('still fails a 401 for good with retryOnFailure', async () => {
    const { log } = await answerWith(401, {}, { retryOnFailure: { initialMs: 1, maxMs: 1 } })
    await log.until(1)
    expect(log).toEqual(['error 2'])
    await expectNoRetry()
  })

  it('retries a refused connection after the reconnection time, as the spec says', async () => {
    server = await startRawSseServer()
    const url = server.url
    await server.close()
    const source = new EventSource(`${url}/`, { reconnectionMs: 0 })
    sources.push(source)
    const log = record(source)
    await log.until(2)
    expect(log.slice(0, 2)).toEqual(['error 0', 'error 0'])
  })
})

describe('ssehub/client EventSource reconnecting', () => {
  it('waits the retry: the server asked for, not its own reconnection time', async () => {
    server = await startRawSseServer()
    const log = record(open('/first'))
    const exchange = await server.request(0)
    await exchange.head(200, EVENT_STREAM)
    await exchange.write('retry: 3600000\n\n')
    exchange.end()
    await log.until(2)
    open('/probe')
    expect((await server.request(1)).target).toBe('/probe')
  })

  it('reconnects at once on retry: 0, though its own reconnection time is an hour', async () => {
    server = await startRawSseServer()
    const log = record(open('/', { reconnectionMs: 3_600_000 }))
    const exchange = await server.request(0)
    await exchange.head(200, EVENT_STREAM)
    await exchange.write('retry: 0\n\n')
    exchange.end()
    await log.until(2)
    await server.request(1)
  })

  it('sends the request headers of init, and Last-Event-ID (UTF-8) on reconnect', async () => {
    server = await startRawSseServer()
    const log = record(open('/', { headers: { Authorization: 'Bearer t0ken' } }))
    const first = await server.request(0)
    expect(first.headers.get('authorization')).toBe('Bearer t0ken')
    expect(first.headers.get('accept')).toBe('text/event-stream')
    expect(first.headers.has('last-event-id')).toBe(false)
    await first.head(200, EVENT_STREAM)
    await first.write('id: é-42\ndata: x\n\n')
    await log.until(2)
    first.end()
    const second = await server.request(1)
    expect(Buffer.from(second.headers.get('last-event-id') ?? '', 'latin1').toString()).toBe('é-42')
    expect(second.headers.get('authorization')).toBe('Bearer t0ken')
  })

  it('sends method and body of init', async () => {
    server = await startRawSseServer()
    open('/', { method: 'POST', body: '{"q":1}', headers: { 'content-type': 'application/json' } })
    const exchange = await server.request(0)
    expect(exchange.method).toBe('POST')
    expect(exchange.headers.get('content-length')).toBe('7')
  })

  it('dispatches nothing after close(), even from a chunk already read', async () => {
    server = await startRawSseServer()
    const source = open('/')
    const log: string[] = []
    source.onmessage = (event) => {
      log.push(event.data)
      source.close()
    }
    const exchange = await server.request(0)
    await exchange.head(200, EVENT_STREAM)
    await exchange.write('data: a\n\ndata: b\n\n')
    const condition = createCondition()
    source.addEventListener('message', () => condition.changed())
    await condition.until(
      () => log.length > 0,
      () => 'a message',
      5000,
    )
    expect(log).toEqual(['a'])
    expect(source.readyState).toBe(EventSource.CLOSED)
  })
})
