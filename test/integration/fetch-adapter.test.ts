/**
 * ssehub/fetch: the hub over web-standard Request and Response, driven as a runtime drives it
 * (reading, or not reading, the body stream).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { toFetchHandler } from '../../src/adapters/fetch.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import type { HubAppOptions } from '../../src/app/options.js'

let app: HubApp | undefined
afterEach(() => {
  app?.close()
  app = undefined
})

function start(options: HubAppOptions = {}, bodyTimeoutMs?: number) {
  app = createHubApp({ retryMs: null, ...options })
  return { app, handle: toFetchHandler(app, { bodyTimeoutMs }) }
}

/** A turn for the runtime's reads and cancels to reach the hub; no timer involved. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/** A POST whose body streams (`duplex` is in Node's fetch, not yet in the DOM typings). */
const streamedBody = (body: ReadableStream<Uint8Array>): RequestInit =>
  ({ method: 'POST', body, duplex: 'half' }) as RequestInit

/** Reads `body` until its text contains `wanted`; returns the text. */
async function readUntil(body: ReadableStream<Uint8Array>, wanted: string): Promise<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!text.includes(wanted)) {
    const { done, value } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  reader.releaseLock()
  return text
}

describe('ssehub/fetch', () => {
  it('streams events in a ReadableStream body with the event-stream headers', async () => {
    const { app, handle } = start()
    const response = await handle(new Request('http://hub.test/events?topic=t'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(response.headers.get('connection')).toBeNull()
    const id = (await app.hub.publish('t', { data: 'hello' })).id
    const text = await readUntil(response.body as ReadableStream<Uint8Array>, 'hello')
    expect(text).toBe(`id: ${id}\ndata: hello\n\n`)
  })

  it('closes the stream when the runtime cancels the body (the client left)', async () => {
    const { app, handle } = start()
    const response = await handle(new Request('http://hub.test/events?topic=t'))
    expect(app.stats().streams).toBe(1)
    await response.body?.cancel()
    await nextTurn()
    expect(app.stats().streams).toBe(0)
  })

  it('closes the stream when the request signal aborts', async () => {
    const { app, handle } = start()
    const controller = new AbortController()
    await handle(new Request('http://hub.test/events?topic=t', { signal: controller.signal }))
    controller.abort()
    await nextTurn()
    expect(app.stats().streams).toBe(0)
  })

  it('counts what the runtime has not read against the unsent-bytes cap', async () => {
    const { app, handle } = start({ maxBufferedBytes: 1000 })
    const response = await handle(new Request('http://hub.test/events?topic=t'))
    await app.hub.publish('t', { data: 'x'.repeat(2000) })
    await nextTurn()
    expect(app.stats()).toMatchObject({ streams: 0, overflows: 1 })
    await expect(response.body?.getReader().read()).rejects.toThrow(/aborted/)
  })

  it('sends a replay larger than its queue as the runtime reads it', async () => {
    const { app, handle } = start()
    const first = await app.hub.publish('t', { data: 'first' })
    const data = 'y'.repeat(1000)
    // 300 KB: several times the sink's 64 KiB queue, sent a page per pull.
    for (let i = 0; i < 300; i++) await app.hub.publish('t', { id: `e${i}`, data })
    const response = await handle(
      new Request('http://hub.test/events?topic=t', { headers: { 'last-event-id': first.id } }),
    )
    const text = await readUntil(response.body as ReadableStream<Uint8Array>, 'id: e299\n')
    expect(text.match(/^id: /gm)?.length).toBe(300)
    expect(text).not.toContain('first')
    await response.body?.cancel()
  })

  it('publishes a posted body, and refuses one over the limit, declared or streamed', async () => {
    const { app, handle } = start({ maxPublishBytes: 100 })
    const ok = await handle(
      new Request('http://hub.test/publish', {
        method: 'POST',
        body: new URLSearchParams({ topic: 't', data: 'hi' }),
      }),
    )
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe(app.hub.lastEventId)
    const declared = await handle(
      new Request('http://hub.test/publish', { method: 'POST', body: 'x'.repeat(200) }),
    )
    expect(declared.status).toBe(413)
    const chunks = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(64))
      },
    })
    const streamed = await handle(new Request('http://hub.test/publish', streamedBody(chunks)))
    expect(streamed.status).toBe(413)
  })

  it('refuses, and publishes nothing of, a body that ends short of its Content-Length', async () => {
    const { app, handle } = start()
    // What a runtime hands over for a request whose client reset it mid-body, as if it ended.
    const partial = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('topic=t&data=partial'))
        controller.close()
      },
    })
    const request = new Request('http://hub.test/publish', {
      ...streamedBody(partial),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' },
    })
    const response = await handle(request)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/cut short/)
    expect(app.hub.lastEventId).toBeUndefined()
  })

  it('answers 400, naming the cause, to a body something read before the hub', async () => {
    const { handle } = start()
    const request = new Request('http://hub.test/publish', {
      method: 'POST',
      body: new URLSearchParams({ topic: 't', data: 'a' }),
    })
    await request.text()
    const response = await handle(request)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/read before the hub/)
  })

  it('answers 408 to a body that does not arrive in time', async () => {
    const { handle } = start({}, 50)
    const never = new ReadableStream<Uint8Array>({ start() {} })
    const response = await handle(new Request('http://hub.test/publish', streamedBody(never)))
    expect(response.status).toBe(408)
  })

  it('reads header values as the UTF-8 bytes browsers send', async () => {
    const { app, handle } = start()
    await app.hub.publish('t', { id: 'é', data: 'a' })
    await app.hub.publish('t', { id: 'f', data: 'b' })
    // `Headers` holds each byte as one character: the two bytes of é.
    const headers = new Headers({ 'last-event-id': '\u00c3\u00a9' })
    const response = await handle(new Request('http://hub.test/events?topic=t', { headers }))
    const text = await readUntil(response.body as ReadableStream<Uint8Array>, 'data: b')
    expect(text).toBe('id: f\ndata: b\n\n')
    await response.body?.cancel()
  })

  it('serves the hub under a base path, and nothing outside it', async () => {
    const { app } = start()
    const handle = toFetchHandler(app, { basePath: '/hub' })
    const response = await handle(new Request('http://hub.test/hub/events?topic=t'))
    expect(response.status).toBe(200)
    await response.body?.cancel()
    for (const path of ['/events', '/hubevents', '/hub']) {
      expect((await handle(new Request(`http://hub.test${path}`))).status).toBe(404)
    }
  })

  it('refuses a bad option by name', () => {
    const app = createHubApp()
    expect(() => toFetchHandler(app, { bodyTimeoutMs: -1 })).toThrow(/bodyTimeoutMs/)
    for (const basePath of ['hub', '/hub/', '//', '/a?b']) {
      expect(() => toFetchHandler(app, { basePath })).toThrow(/basePath/)
    }
    app.close()
  })
})
