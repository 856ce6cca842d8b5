import { afterEach, describe, expect, it } from 'vitest'
import { recordEventSource } from '../helpers/event-source.js'
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
    expect(server.app.hub.history().map((e) => e.id)).toEqual([id])
  })

  it('publishes form fields, topic repeated for several topics', async () => {
    server = await startTestServer()
    const response = await post('topic=a&topic=b&data=hello&event=greeting&id=g1&retry=500', {
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(await response.text()).toBe('g1')
    const [event] = server.app.hub.history()
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
    expect(server.app.hub.history().map((e) => e.id)).toEqual(ids)
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
      expect(await response.text()).toMatch(message)
      expect(server.app.hub.history()).toEqual([])
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
    expect(server.app.hub.history()).toHaveLength(1)
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
