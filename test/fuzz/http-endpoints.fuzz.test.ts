/**
 * Hostile input over real HTTP: random bytes, CR/LF/NUL, header-invalid and non-ASCII
 * characters, invalid UTF-8, huge and deeply nested bodies, in every field of every endpoint.
 * Every request must be answered (never a 500, never a crash), every response header must be a
 * valid header value, and nothing published may reach a stream it was not published to.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createParser } from '../../src/protocol/parse.js'
import type { ParsedEvent } from '../../src/protocol/types.js'
import { mintToken, SECRET } from '../helpers/mercure.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer
// A stream no fuzzed request publishes to: whatever it receives was forged.
const forged: ParsedEvent[] = []
let watcher: AbortController

beforeAll(async () => {
  server = await startTestServer({
    heartbeatMs: null,
    mercure: { jwtKey: SECRET, anonymous: true, subscriptions: true },
  })
  watcher = new AbortController()
  const response = await fetch(`${server.url}/events?topic=watched`, { signal: watcher.signal })
  const parser = createParser({ onEvent: (event) => forged.push(event) })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      parser.feed(decoder.decode(value, { stream: true }))
    }
  })()
})

afterAll(async () => {
  watcher.abort()
  await server.close()
})

/** Pieces that break naive handling, mixed with random text of every code point. */
const hostileText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\r',
        '\n',
        '\r\n',
        '\0',
        '\x01',
        '\x7f',
        '\x85',
        '\u2603',
        '\ud800',
        '\ufeff',
        '{',
        '}',
        '*',
        '%',
        '%zz',
        '%00',
        '\n\nid: forged\nevent: x\ndata: forged\n\n',
        'watched',
        ':',
        ' ',
        '"',
        '\\',
        '=',
        '&',
        '#',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''))

/** Raw bytes: invalid UTF-8 included. */
const hostileBytes = fc.uint8Array({ maxLength: 64 })

interface RawAnswer {
  status: number
  head: string
}

/**
 * Sends `request` (bytes) on a new connection and reads the answer's head (the status line and
 * headers); a stream's body is not awaited.
 */
async function send(request: Uint8Array | string): Promise<RawAnswer> {
  const socket = connect(server.port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(request)
  let received = Buffer.alloc(0)
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000)
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        if (received.includes('\r\n\r\n')) {
          clearTimeout(timer)
          resolve()
        }
      })
      socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      socket.once('error', () => {})
    })
  } finally {
    socket.destroy()
  }
  const head = received.subarray(0, received.indexOf('\r\n\r\n')).toString('latin1')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0)
  return { status, head }
}

function request(method: string, target: string, headers: string[], body: Uint8Array): Buffer {
  const head = [`${method} ${target} HTTP/1.1`, 'Host: x', ...headers]
  head.push(`Content-Length: ${body.byteLength}`, 'Connection: close', '', '')
  return Buffer.concat([Buffer.from(head.join('\r\n'), 'utf8'), body])
}

/** Every header value the server wrote is a valid field value (RFC 9110: VCHAR, SP, HTAB, obs-text). */
function expectValidHead(answer: RawAnswer): void {
  for (const line of answer.head.split('\r\n').slice(1)) {
    expect(line).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+: [\t\x20-\x7e\x80-\xff]*$/)
  }
}

async function expectAlive(): Promise<void> {
  const answer = await send('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  expect(answer.status).toBe(200)
}

const PATHS = [
  '/events',
  '/publish',
  '/.well-known/mercure',
  '/.well-known/mercure/subscriptions',
  '/healthz',
  '/',
  '/ssehub-client.js',
]

const RUNS = { numRuns: 150, interruptAfterTimeLimit: 60_000 }

describe('hostile input over HTTP', () => {
  it('answers every request with hostile targets, headers and bodies, never 500, with valid headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS', 'DELETE', 'PATCH'),
        fc.constantFrom(...PATHS),
        fc.array(
          fc.tuple(fc.constantFrom('topic', 'lastEventID', 'authorization', 'x'), hostileText),
          {
            maxLength: 4,
          },
        ),
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'Last-Event-ID',
              'Authorization',
              'Cookie',
              'Origin',
              'Content-Type',
              'Referer',
              'If-None-Match',
              'X-Any',
            ),
            hostileText,
          ),
          { maxLength: 4 },
        ),
        fc.oneof(
          hostileBytes,
          hostileText.map((text) => Buffer.from(text, 'utf8')),
        ),
        async (method, path, query, headers, body) => {
          const search = new URLSearchParams(query).toString()
          const target = search === '' ? path : `${path}?${search}`
          // Header values as the bytes a client would send: CR, LF and NUL make the request
          // malformed, which the server must answer too (Node's parser says 400).
          const lines = headers.map(([name, value]) => `${name}: ${value}`)
          const answer = await send(request(method, target, lines, body))
          expect(answer.status, answer.head).toBeGreaterThanOrEqual(200)
          expect(answer.status, answer.head).not.toBe(500)
          expectValidHead(answer)
        },
      ),
      RUNS,
    )
    await expectAlive()
    expect(forged).toEqual([])
  }, 120_000)

  it('publishes hostile JSON fields to their own topic only, or refuses them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            topic: fc.oneof(hostileText, fc.array(hostileText, { maxLength: 3 })),
            data: hostileText,
            event: hostileText,
            id: hostileText,
            retry: fc.oneof(fc.integer(), hostileText),
          },
          { requiredKeys: ['topic'] },
        ),
        async (fields) => {
          const topics = ([] as string[]).concat(fields.topic)
          fc.pre(!topics.includes('watched'))
          const body = Buffer.from(JSON.stringify(fields), 'utf8')
          const answer = await send(
            request('POST', '/publish', ['Content-Type: application/json'], body),
          )
          expect([200, 400, 413, 429]).toContain(answer.status)
          expectValidHead(answer)
        },
      ),
      RUNS,
    )
    await expectAlive()
    expect(forged).toEqual([])
  }, 120_000)

  it('resumes from any id it accepted, by header or query, on both APIs, echoing it safely', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, fc.constantFrom('header', 'query'), async (id, where) => {
        const published = await send(
          request(
            'POST',
            '/publish',
            ['Content-Type: application/json'],
            Buffer.from(JSON.stringify({ topic: 'resume', id, data: 'x' })),
          ),
        )
        expect([200, 400]).toContain(published.status)
        for (const path of ['/events?topic=resume', '/.well-known/mercure?topic=resume']) {
          const headers =
            where === 'header'
              ? [`Last-Event-ID: ${Buffer.from(id, 'utf8').toString('latin1')}`]
              : []
          const query = where === 'query' ? `&${new URLSearchParams({ lastEventID: id })}` : ''
          const answer = await send(
            Buffer.from(
              `GET ${path}${query} HTTP/1.1\r\nHost: x\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
              'latin1',
            ),
          )
          expect(answer.status, answer.head).not.toBe(500)
          expect(answer.status, answer.head).toBeGreaterThanOrEqual(200)
          expectValidHead(answer)
        }
      }),
      RUNS,
    )
    await expectAlive()
    expect(forged).toEqual([])
  }, 120_000)

  it('answers huge and deeply nested bodies without a crash', async () => {
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const wide = JSON.stringify({ topic: Array(100_000).fill('t'), data: 'x' })
    for (const body of [nested, wide, `{"topic":"t","data":"${'x'.repeat(2 * 1024 * 1024)}"}`]) {
      const answer = await send(
        request('POST', '/publish', ['Content-Type: application/json'], Buffer.from(body)),
      )
      expect([400, 413]).toContain(answer.status)
    }
    await expectAlive()
  })

  it('refuses forged, mangled and random tokens with 401 or 403, never more', async () => {
    const valid = await mintToken({ publish: ['*'], subscribe: ['*'] })
    // Not the last character of a part: base64url's last character carries spare bits, so
    // some changes to it decode to the same bytes, the same valid token.
    const lastOfPart = (at: number) => at === valid.length - 1 || valid[at + 1] === '.'
    const mangled = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom('A', '.', '-', '_', '\u2603'))
      .filter(([at]) => !lastOfPart(at))
      .map(([at, char]) => valid.slice(0, at) + char + valid.slice(at + 1))
      .filter((token) => token !== valid)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(mangled, hostileText),
        fc.constantFrom('header', 'cookie', 'query'),
        fc.constantFrom('GET', 'POST'),
        async (token, where, method) => {
          const headers =
            where === 'header'
              ? [`Authorization: Bearer ${token}`]
              : where === 'cookie'
                ? [`Cookie: mercureAuthorization=${token}`]
                : []
          const query = where === 'query' ? `&${new URLSearchParams({ authorization: token })}` : ''
          const body = method === 'POST' ? Buffer.from('topic=t&data=x') : Buffer.alloc(0)
          if (method === 'POST') headers.push('Content-Type: application/x-www-form-urlencoded')
          const answer = await send(
            request(method, `/.well-known/mercure?topic=t${query}`, headers, body),
          )
          // A malformed header is refused by the HTTP parser (400); a bad token by the hub.
          expect([400, 401, 403]).toContain(answer.status)
          expectValidHead(answer)
        },
      ),
      RUNS,
    )
    await expectAlive()
  }, 120_000)
})
