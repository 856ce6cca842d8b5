import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { toNodeListener } from '../../src/adapters/node.js'
import { createHubApp } from '../../src/app/app.js'
import { recordEventSource } from '../helpers/event-source.js'
import { keptBy } from '../helpers/kept.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function post(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return fetch(`${server?.url}/publish`, { method: 'POST', headers, body })
}

/** Proves the hub still serves: a subscriber receives a fresh publish. */
async function expectHubStillServes(): Promise<void> {
  const es = recordEventSource(`${server?.url}/events?topic=after`)
  try {
    await es.waitForOpen()
    const response = await post(JSON.stringify({ topic: 'after', data: 'still here' }))
    expect(response.status).toBe(200)
    expect((await es.waitForEvents(1))[0]?.data).toBe('still here')
  } finally {
    es.close()
  }
}

describe('POST /publish', () => {
  it('publishes JSON and answers the new event id as text', async () => {
    server = await startTestServer()
    const response = await post(JSON.stringify({ topic: 'a', data: 'x' }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const id = await response.text()
    expect((await keptBy(server.app.hub)).map((e) => e.id)).toEqual([id])
  })

  it('publishes form fields, topic repeated for several topics', async () => {
    server = await startTestServer()
    const response = await post('topic=a&topic=b&data=hello&event=greeting&id=g1&retry=500', {
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(await response.text()).toBe('g1')
    const [event] = await keptBy(server.app.hub)
    expect(event).toMatchObject({ id: 'g1', topics: ['a', 'b'], type: 'greeting', data: 'hello' })
    expect(new TextDecoder().decode(event?.bytes)).toContain('retry: 500\n')
  })

  it('publishes a JSON array as one batch and answers every id in order', async () => {
    server = await startTestServer()
    const response = await post(
      JSON.stringify([1, 2, 3].map((n) => ({ topic: 'a', data: String(n) }))),
    )
    expect(response.status).toBe(200)
    const { ids } = (await response.json()) as { ids: string[] }
    expect((await keptBy(server.app.hub)).map((e) => e.id)).toEqual(ids)
  })

  it.each([
    ['no topic', JSON.stringify({ data: 'x' }), 400, /`topic` is required/],
    ['bad JSON', '{"topic": "a",', 400, /not valid JSON/],
    ['a JSON value that is not an event', '"just a string"', 400, /JSON object/],
    [
      'CR/LF in event',
      JSON.stringify({ topic: 'a', event: 'x\r\ndata: injected', data: 'y' }),
      400,
      /`event`/,
    ],
    ['LF in id', JSON.stringify({ topic: 'a', id: '1\n2', data: 'y' }), 400, /`id`/],
    ['a non-integer retry', JSON.stringify({ topic: 'a', data: 'y', retry: 1.5 }), 400, /`retry`/],
    ['an unknown field', JSON.stringify({ topic: 'a', dat: 'y' }), 400, /unknown field `dat`/],
    [
      'a topic with a newline',
      JSON.stringify({ topic: 'a\nb', data: 'y' }),
      400,
      /control characters/,
    ],
  ])(
    'answers %s with %i and a message, publishing nothing',
    async (_name, body, status, message) => {
      server = await startTestServer()
      const response = await post(body)
      expect(response.status).toBe(status)
      const problem = (await response.json()) as { detail: string; code: string }
      expect(problem.detail).toMatch(message)
      expect(problem.code).toMatch(/^ERR_SSE_/)
      expect(await keptBy(server.app.hub)).toEqual([])
      await expectHubStillServes()
    },
  )

  it('answers an oversized body with 413, and keeps serving', async () => {
    server = await startTestServer({ maxPublishBytes: 1024 })
    const response = await post(JSON.stringify({ topic: 'a', data: 'x'.repeat(4096) }))
    expect(response.status).toBe(413)
    expect(await response.text()).toMatch(/exceeds the limit of 1024 bytes/)
    await expectHubStillServes()
  })

  it('answers an oversized chunked body (no Content-Length) with 413', async () => {
    server = await startTestServer({ maxPublishBytes: 1024 })
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(512)))
        controller.close()
      },
    })
    const response = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
  })

  it('answers another content type with 415', async () => {
    server = await startTestServer()
    const response = await post('topic=a', { 'content-type': 'text/plain' })
    expect(response.status).toBe(415)
    expect(await response.text()).toMatch(/application\/json/)
  })

  it('needs the bearer key when a publish key is set', async () => {
    server = await startTestServer({ publishKey: 's3cret' })
    const body = JSON.stringify({ topic: 'a', data: 'x' })
    expect((await post(body)).status).toBe(401)
    const wrong = await post(body, {
      'content-type': 'application/json',
      authorization: 'Bearer nope',
    })
    expect(wrong.status).toBe(401)
    const right = await post(body, {
      'content-type': 'application/json',
      authorization: 'Bearer s3cret',
    })
    expect(right.status).toBe(200)
    expect(await keptBy(server.app.hub)).toHaveLength(1)
  })

  it('takes the Bearer scheme in any case, as RFC 9110 says of every scheme', async () => {
    server = await startTestServer({ publishKey: 's3cret' })
    const body = JSON.stringify({ topic: 'a', data: 'x' })
    for (const authorization of ['bearer s3cret', 'BEARER  s3cret ', 'Bearer s3cret']) {
      const response = await post(body, { 'content-type': 'application/json', authorization })
      expect(response.status, authorization).toBe(200)
    }
    for (const authorization of ['Basic s3cret', 'Bearers3cret', 'Bearer', 's3cret']) {
      const response = await post(body, { 'content-type': 'application/json', authorization })
      expect(response.status, authorization).toBe(401)
    }
  })

  it('answers another method with 405 and Allow', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/publish`)
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  it('answers an unknown path with 404', async () => {
    server = await startTestServer()
    expect((await fetch(`${server.url}/nope`)).status).toBe(404)
  })
})

interface RawResponse {
  status: number
  body: string
}

/**
 * Writes `parts` to one connection, each once the last is in the kernel, and resolves with the
 * first `count` responses (each framed by its Content-Length).
 */
async function rawExchange(parts: readonly Buffer[], count: number): Promise<RawResponse[]> {
  const socket = connect(server?.port ?? 0, '127.0.0.1')
  try {
    await new Promise((resolve) => socket.once('connect', resolve))
    const done = new Promise<RawResponse[]>((resolve, reject) => {
      let received = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        const responses: RawResponse[] = []
        let at = 0
        while (responses.length < count) {
          const headEnd = received.indexOf('\r\n\r\n', at)
          if (headEnd < 0) return
          const head = received.subarray(at, headEnd).toString('latin1')
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1])
          if (received.length < headEnd + 4 + length) return
          const body = received.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8')
          responses.push({ status: Number(head.slice(9, 12)), body })
          at = headEnd + 4 + length
        }
        resolve(responses)
      })
      socket.once('close', () => reject(new Error(`closed after ${received.toString()}`)))
    })
    for (const part of parts) await new Promise((resolve) => socket.write(part, resolve))
    return await done
  } finally {
    socket.destroy()
  }
}

/** A form publish as bytes: its head, and its body (UTF-8). */
function formPublish(fields: string): { head: Buffer; body: Buffer } {
  const body = Buffer.from(fields)
  const head =
    'POST /publish HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${body.length}\r\n\r\n`
  return { head: Buffer.from(head), body }
}

describe('POST /publish bodies as they come off the wire', () => {
  it('takes a body sent with its head, then the next requests on the same connection', async () => {
    server = await startTestServer()
    const first = formPublish(`topic=a&data=${encodeURIComponent('prix 12 €')}`)
    const second = formPublish('topic=a&data=second')
    const third = formPublish('topic=a&data=third')
    const responses = await rawExchange(
      [
        Buffer.concat([first.head, first.body]),
        // Pipelined: both requests in one write.
        Buffer.concat([second.head, second.body, third.head, third.body]),
      ],
      3,
    )
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200])
    const history = await keptBy(server.app.hub)
    expect(history.map((e) => e.data)).toEqual(['prix 12 €', 'second', 'third'])
    expect(responses.map((r) => r.body)).toEqual(history.map((e) => e.id))
  })

  it('takes a body that comes after its head, in pieces', async () => {
    server = await startTestServer()
    const { head, body } = formPublish(`topic=a&data=${'x'.repeat(40_000)}€`)
    const [response] = await rawExchange(
      [head, body.subarray(0, 7), body.subarray(7, 30_000), body.subarray(30_000)],
      1,
    )
    expect(response?.status).toBe(200)
    expect((await keptBy(server.app.hub)).map((e) => e.data)).toEqual([`${'x'.repeat(40_000)}€`])
  })

  it('answers an empty body (Content-Length: 0) with 400, publishing nothing', async () => {
    server = await startTestServer()
    const { head } = formPublish('')
    const [response] = await rawExchange([head], 1)
    expect(response).toEqual({ status: 400, body: expect.stringMatching(/`topic` is required/) })
    expect(await keptBy(server.app.hub)).toEqual([])
  })

  it('lets the request run to its end once its body is taken', async () => {
    const app = createHubApp()
    const listener = toNodeListener(app)
    const requests: IncomingMessage[] = []
    const plain = createServer((req, res) => {
      requests.push(req)
      listener(req, res)
    })
    plain.listen(0, '127.0.0.1')
    await once(plain, 'listening')
    try {
      const { port } = plain.address() as AddressInfo
      const response = await fetch(`http://127.0.0.1:${port}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'topic=a&data=x',
      })
      expect(response.status).toBe(200)
      const [request] = requests
      if (request?.readableEnded !== true) await once(request as IncomingMessage, 'end')
      expect(request?.readableEnded).toBe(true)
    } finally {
      app.close()
      plain.closeAllConnections()
      plain.close()
    }
  })

  it('answers a body over the limit with 413 whether or not it came with its head', async () => {
    server = await startTestServer({ maxPublishBytes: 64 })
    const { head, body } = formPublish(`topic=a&data=${'y'.repeat(100)}`)
    const responses = await rawExchange([Buffer.concat([head, body]), head, body], 2)
    expect(responses.map((r) => r.status)).toEqual([413, 413])
    expect(await keptBy(server.app.hub)).toEqual([])
  })
})

describe('GET /healthz', () => {
  it('reports status and counts as JSON', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/healthz`)
    expect(await response.json()).toMatchObject({
      status: 'ok',
      streams: 0,
      subscribers: 0,
      overflows: 0,
    })
  })
})
