/**
 * examples/express.mjs, fastify.mjs and hono.mjs, each started as its own process: the hub's
 * wire behaviour (that of `ssehub serve`) from inside each framework, behind its compression.
 */
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ExampleProcess, startExample } from '../helpers/example.js'
import { rawConnect } from '../helpers/raw-http.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

const EXAMPLES = ['express.mjs', 'fastify.mjs', 'hono.mjs']

async function publish(url: string, topic: string, data: string): Promise<string> {
  const response = await fetch(`${url}/publish`, {
    method: 'POST',
    body: new URLSearchParams({ topic, data }),
  })
  expect(response.status).toBe(200)
  return response.text()
}

describe.each(EXAMPLES)('examples/%s', (name) => {
  let example: ExampleProcess
  const streams: RawStream[] = []
  beforeAll(async () => {
    example = await startExample(name)
  })
  afterAll(async () => {
    for (const stream of streams) stream.close()
    await example.stop()
  })
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const stream = await openRawStream(`${example.url}${path}`, headers)
    streams.push(stream)
    return stream
  }

  it('answers its own route beside the hub, and leaves unknown paths to the framework', async () => {
    const hello = await fetch(`${example.url}/hello`)
    expect(hello.status).toBe(200)
    expect(await hello.json()).toMatchObject({ hello: 'world' })
    const missing = await fetch(`${example.url}/nowhere`)
    expect(missing.status).toBe(404)
    await missing.body?.cancel()
  })

  it('streams the clock on /events with the event-stream headers, uncompressed', async () => {
    const stream = await open('/events', { 'accept-encoding': 'gzip, deflate' })
    const { headers } = stream.response
    expect(stream.response.status).toBe(200)
    expect(headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(headers.get('x-accel-buffering')).toBe('no')
    expect(headers.get('content-encoding')).toBeNull()
    await stream.waitFor(/data: Server time is .+\n\n/, 3000)
  })

  it('delivers each published event at once, behind the compression middleware', async () => {
    const stream = await open('/events?topic=news', { 'accept-encoding': 'gzip' })
    expect(stream.response.headers.get('content-encoding')).toBeNull()
    // Each event must arrive before the next is published: a compressor holding bytes back
    // would keep it until far more followed (the heartbeat is 15 s away).
    for (let i = 1; i <= 3; i++) {
      const id = await publish(example.url, 'news', `event ${i}`)
      await stream.waitFor(`id: ${id}\ndata: event ${i}\n\n`, 2000)
    }
  })

  it('replays what followed Last-Event-ID, then streams', async () => {
    const first = await publish(example.url, 'replayed', 'one')
    const second = await publish(example.url, 'replayed', 'two')
    const stream = await open('/events?topic=replayed', { 'last-event-id': first })
    const text = await stream.waitFor(`id: ${second}\ndata: two\n\n`)
    expect(text).not.toContain('data: one')
  })

  it('answers CORS preflights and cross-origin streams', async () => {
    const preflight = await fetch(`${example.url}/publish`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    const stream = await open('/events', { origin: 'https://app.example' })
    expect(stream.response.headers.get('access-control-allow-origin')).toBeTruthy()
  })

  it('sends HTTP/1.0 clients the bare event stream', async () => {
    const connection = await rawConnect(example.port)
    try {
      // With a Host header, as curl -0 sends it: @hono/node-server refuses a request without.
      connection.send('GET /events?topic=bare HTTP/1.0\r\nHost: x\r\n\r\n')
      await connection.waitFor(/\r\n\r\n/)
      const id = await publish(example.url, 'bare', 'a')
      const received = await connection.waitFor(/data: a\n\n/)
      const head = received.slice(0, received.indexOf('\r\n\r\n'))
      expect(head).toMatch(/^HTTP\/1\.[01] 200/)
      expect(head).not.toMatch(/transfer-encoding/i)
      const body = received.slice(head.length + 4)
      expect(body).toMatch(/^retry: \d+\n\n/)
      expect(body.endsWith(`\n\nid: ${id}\ndata: a\n\n`)).toBe(true)
    } finally {
      connection.socket.destroy()
    }
  })

  it('refuses a publish without a topic, as the hub does', async () => {
    const response = await fetch(`${example.url}/publish`, {
      method: 'POST',
      body: new URLSearchParams({ data: 'x' }),
    })
    expect(response.status).toBe(400)
  })
})

describe.each(EXAMPLES)('examples/%s, started for one test', (name) => {
  it('ends its streams with a retry: hint and exits on SIGTERM', async () => {
    const example = await startExample(name)
    const stream = await openRawStream(`${example.url}/events?topic=quiet`)
    try {
      await stream.waitFor(/^retry: \d+\n\n$/)
      const exited = once(example.child, 'exit')
      example.child.kill('SIGTERM')
      await stream.ended
      expect(stream.text()).toMatch(/^retry: \d+\n\nretry: \d+\n\n$/)
      expect((await exited)[0]).toBe(0)
    } finally {
      stream.close()
      await example.stop()
    }
  })

  it('sends heartbeats to an idle stream', async () => {
    const example = await startExample(name, { HEARTBEAT_MS: '200' })
    const stream = await openRawStream(`${example.url}/events?topic=quiet`)
    try {
      await stream.waitFor(/\n:\n\n:\n\n/, 3000)
    } finally {
      stream.close()
      await example.stop()
    }
  })
})
