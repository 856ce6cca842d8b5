import { once } from 'node:events'
import {
  connect,
  constants,
  type Http2SecureServer,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { type ListenOptions, listen } from '../../src/adapters/node.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import type { HubAppOptions } from '../../src/app/options.js'
import { http2Client } from '../helpers/https-clients.js'
import { type ReceivedFrame, RST_STREAM, rawHttp2Connect } from '../helpers/raw-http2.js'
import { makeTestCertificate } from '../helpers/tls.js'

const certificate = makeTestCertificate()
afterAll(() => certificate.remove())

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function serve(options: ListenOptions = {}, appOptions: HubAppOptions = {}) {
  const app: HubApp = createHubApp({ ...appOptions })
  const { cert, key } = certificate
  const running = await listen(app, {
    port: 0,
    host: '127.0.0.1',
    closeTimeoutMs: 100,
    ...options,
    tls: { cert, key },
  })
  closers.push(() => running.close())
  return { app, running }
}

/** Resolves once the server's next HTTP/2 session has closed (and the limits released it). */
async function serverSessionClosed(server: Http2SecureServer): Promise<void> {
  const [session] = (await once(server, 'session')) as [ServerHttp2Session]
  await once(session, 'close')
}

function client(url: string) {
  const made = http2Client(url, certificate.cert)
  closers.push(() => made.close())
  return made
}

/** Publishes a whole form after a cut one, and checks that only the whole one was published. */
async function expectOnlyTheWholePublish(url: string, published: string[]): Promise<void> {
  const after = await client(url).request(
    'POST',
    '/publish',
    { 'content-type': 'application/x-www-form-urlencoded' },
    'topic=t&data=whole',
  )
  await after.ended
  expect(published).toEqual([expect.stringContaining('data: whole\n')])
}

describe('HTTP/2 connections', () => {
  it('counts a connection once, however many event streams it carries', async () => {
    const { app, running } = await serve({ maxConnections: 1 })
    const streams = client(running.url)
    const opened = await Promise.all(
      Array.from({ length: 10 }, (_, n) => streams.request('GET', `/events?topic=t${n}`)),
    )
    expect(opened.map((stream) => stream.status)).toEqual(Array(10).fill(200))
    expect(running.stats()).toMatchObject({ connections: 1, refusedOverMaxConnections: 0 })
    expect(app.stats().streams).toBe(10)
  })

  it('bounds the streams of one connection by maxConcurrentStreams, announced to the client', async () => {
    const { running } = await serve({ maxConcurrentStreams: 3 })
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    const [settings] = (await once(session, 'remoteSettings')) as [{ maxConcurrentStreams: number }]
    expect(settings.maxConcurrentStreams).toBe(3)
  })

  it('tells an EventSource past the limit to come back later, then the connection goes away', async () => {
    const { running } = await serve({ maxConnections: 1 })
    const first = client(running.url)
    await first.request('GET', '/events?topic=t')
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    session.on('error', () => {})
    const goaway = once(session, 'goaway')
    const stream = session.request({ ':path': '/events?topic=t', accept: 'text/event-stream' })
    const [head] = (await once(stream, 'response')) as [Record<string, string | number>]
    stream.setEncoding('utf8')
    let body = ''
    stream.on('data', (chunk: string) => {
      body += chunk
    })
    await once(stream, 'end')
    expect(head[':status']).toBe(200)
    expect(body).toMatch(/^: the hub is at its connection limit\nretry: \d+\n\n$/)
    const [code] = (await goaway) as [number]
    expect(code).toBe(constants.NGHTTP2_NO_ERROR)
    expect(running.stats().refusedOverMaxConnections).toBe(1)
  })

  it('closes a connection left without streams past the keep-alive timeout', async () => {
    const { running } = await serve({ keepAliveTimeoutMs: 100 })
    const closed = serverSessionClosed(running.server)
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    const stream = session.request({ ':path': '/healthz' })
    stream.resume()
    await once(stream, 'end')
    await closed
    expect(running.stats().connections).toBe(0)
  })

  it('closes a connection that opens no stream within the head deadline', async () => {
    const { running } = await serve({ headersTimeoutMs: 100 })
    const closed = serverSessionClosed(running.server)
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    await closed
    expect(running.stats().connections).toBe(0)
  })

  it('resets the stream of a client over its cap and keeps the connection’s other streams', async () => {
    const { app, running } = await serve({}, { maxBufferedBytes: 64 * 1024 })
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    session.on('error', () => {})
    // A reader that stops: its stream's flow-control window fills and the rest stays queued.
    const stalled = session.request({ ':path': '/events?topic=big' })
    stalled.on('error', () => {})
    await once(stalled, 'response')
    stalled.pause()
    const reset = once(stalled, 'close')
    const healthy = http2Client(running.url, certificate.cert)
    closers.push(() => healthy.close())
    const other = await healthy.request('GET', '/events?topic=small')
    const data = 'x'.repeat(60 * 1024)
    // Bounded: the cap is reached once the client's window (64 KiB by default) and the cap fill.
    for (let n = 0; n < 64 && app.stats().overflows === 0; n++) {
      await app.hub.publish('big', { data })
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(app.stats().overflows).toBe(1)
    await reset
    expect(stalled.rstCode).toBe(constants.NGHTTP2_CANCEL)
    await app.hub.publish('small', { id: 's1', data: 'still here' })
    await other.waitFor('id: s1\ndata: still here\n\n')
  })

  it('survives a client resetting its stream with an error, and serves its next one', async () => {
    const { app, running } = await serve()
    const serverStream = once(running.server, 'stream') as Promise<[ServerHttp2Stream]>
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    const stream = session.request({ ':path': '/events?topic=t' })
    // The client's own stream reports the error it sends.
    stream.on('error', () => {})
    await once(stream, 'response')
    const [onServer] = await serverStream
    // Not `once`: that rejects on the 'error' the server's stream reports before it closes.
    const closed = new Promise((resolve) => onServer.once('close', resolve))
    stream.close(constants.NGHTTP2_INTERNAL_ERROR)
    await closed
    expect(app.stats().streams).toBe(0)
    const next = session.request({ ':path': '/healthz' })
    const [head] = (await once(next, 'response')) as [Record<string, string | number>]
    expect(head[':status']).toBe(200)
  })

  it('answers 408 to a publish whose body misses its deadline, and resets its stream', async () => {
    const { running } = await serve({ bodyTimeoutMs: 100 })
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    session.on('error', () => {})
    const stream = session.request({
      ':method': 'POST',
      ':path': '/publish',
      'content-type': 'application/json',
      'content-length': '100',
    })
    stream.on('error', () => {})
    stream.write('{"topic":')
    const [head] = (await once(stream, 'response')) as [Record<string, string | number>]
    expect(head[':status']).toBe(408)
    stream.resume()
    await new Promise((resolve) => stream.once('close', resolve))
    expect(stream.rstCode).toBe(constants.NGHTTP2_NO_ERROR)
    // The connection itself is kept: the next request is answered on it.
    const next = session.request({ ':path': '/healthz' })
    const [nextHead] = (await once(next, 'response')) as [Record<string, string | number>]
    expect(nextHead[':status']).toBe(200)
  })

  /** What the hub publishes on topic `t`, as the bytes of each event. */
  async function publishedOn(app: HubApp): Promise<string[]> {
    const published: string[] = []
    await app.hub.subscribe({
      topics: ['t'],
      deliver: (event) => void published.push(new TextDecoder().decode(event.bytes)),
    })
    return published
  }

  it('publishes nothing of a body whose stream the client resets before its end', async () => {
    const { app, running } = await serve()
    const published = await publishedOn(app)
    const serverStream = once(running.server, 'stream') as Promise<[ServerHttp2Stream]>
    const raw = await rawHttp2Connect(running.port, certificate.cert)
    closers.push(() => raw.close())
    raw.headers(1, {
      ':method': 'POST',
      ':path': '/publish',
      ':scheme': 'https',
      ':authority': 'localhost',
      'content-type': 'application/x-www-form-urlencoded',
    })
    // A form whose first bytes are a whole publish: only its end would tell it is cut short.
    raw.data(1, 'topic=t&data=partial')
    const [onServer] = await serverStream
    const closed = new Promise((resolve) => onServer.once('close', resolve))
    // As a browser aborting its fetch: RST_STREAM, the body never ended.
    raw.reset(1, constants.NGHTTP2_CANCEL)
    await closed
    await expectOnlyTheWholePublish(running.url, published)
  })

  it('publishes nothing of a body that ends short of its content-length', async () => {
    const { app, running } = await serve()
    const published = await publishedOn(app)
    const session = connect(running.url, { ca: certificate.cert })
    closers.push(() => session.destroy())
    session.on('error', () => {})
    const serverStream = once(running.server, 'stream') as Promise<[ServerHttp2Stream]>
    const stream = session.request({
      ':method': 'POST',
      ':path': '/publish',
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '100',
    })
    stream.on('error', () => {})
    await new Promise<void>((resolve) => stream.write('topic=t&data=partial', () => resolve()))
    const [onServer] = await serverStream
    const closed = new Promise((resolve) => onServer.once('close', resolve))
    // node:http2's close ends the body (END_STREAM) before its RST_STREAM: the server's request
    // ends as a whole one would, 80 bytes short.
    stream.close(constants.NGHTTP2_CANCEL)
    await closed
    await expectOnlyTheWholePublish(running.url, published)
  })

  it('releases every event stream a client resets as it opens it, and logs nothing', async () => {
    const logged: string[] = []
    const log = (message: string) => void logged.push(message)
    const { app, running } = await serve({}, { logger: { info() {}, warn: log, error: log } })
    // Counts the requests the app has answered; the adapter writes each answer after this.
    let answered = 0
    const handle = app.handle.bind(app)
    app.handle = async (request) => {
      const response = await handle(request)
      answered++
      return response
    }
    const raw = await rawHttp2Connect(running.port, certificate.cert)
    closers.push(() => raw.close())
    const count = 50
    for (let n = 0; n < count; n++) {
      const id = 2 * n + 1
      raw.headers(
        id,
        { ':method': 'GET', ':path': `/events?topic=t${n}`, ':scheme': 'https', ':authority': 'x' },
        true,
      )
      raw.reset(id, constants.NGHTTP2_CANCEL)
    }
    await vi.waitFor(
      () => {
        expect(answered).toBe(count)
        expect(app.stats()).toMatchObject({ streams: 0, subscribers: 0 })
      },
      { timeout: 5000, interval: 5 },
    )
    expect(app.hub.subscriberCount).toBe(0)
    expect(logged).toEqual([])
  })

  it('refuses the streams a client opens past maxConcurrentStreams, though it ignores the setting', async () => {
    const { app, running } = await serve({ maxConcurrentStreams: 10 })
    const raw = await rawHttp2Connect(running.port, certificate.cert)
    closers.push(() => raw.close())
    const count = 40
    for (let n = 0; n < count; n++) {
      raw.headers(
        2 * n + 1,
        { ':method': 'GET', ':path': `/events?topic=t${n}`, ':scheme': 'https', ':authority': 'x' },
        true,
      )
    }
    const refused = (frames: readonly ReceivedFrame[]) =>
      frames.filter(
        (f) => f.type === RST_STREAM && f.errorCode === constants.NGHTTP2_REFUSED_STREAM,
      )
    await raw.until((frames) => refused(frames).length === count - 10)
    await vi.waitFor(() => expect(app.stats().streams).toBe(10), { timeout: 5000, interval: 5 })
  })

  it('releases every event stream of a connection the client drops', async () => {
    const { app, running } = await serve()
    const streams = http2Client(running.url, certificate.cert)
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => streams.request('GET', `/events?topic=t${n}`)),
    )
    expect(app.stats().streams).toBe(10)
    streams.close()
    await vi.waitFor(() => expect(app.stats()).toMatchObject({ streams: 0, subscribers: 0 }), {
      timeout: 5000,
      interval: 5,
    })
    expect(running.stats().connections).toBe(0)
  })

  it('holds HTTP/1.1 over TLS to its head deadline too', async () => {
    const { running } = await serve({ headersTimeoutMs: 200 })
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: running.port,
      ca: certificate.cert,
      servername: 'localhost',
      ALPNProtocols: ['http/1.1'],
    })
    closers.push(() => socket.destroy())
    await once(socket, 'secureConnect')
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')
    socket.setEncoding('latin1')
    let received = ''
    socket.on('data', (chunk: string) => {
      received += chunk
    })
    await once(socket, 'end')
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
  })
})
