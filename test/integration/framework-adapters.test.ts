/**
 * ssehub/express, ssehub/fastify and ssehub/hono mounted inside apps that have their own
 * routes, middlewares, hooks, parsers and error handling.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ssehub as expressHub } from '../../src/adapters/express.js'
import { ssehubPlugin } from '../../src/adapters/fastify.js'
import { ssehub as honoHub } from '../../src/adapters/hono.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import { rawConnect } from '../helpers/raw-http.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

function hubApp(): HubApp {
  const app = createHubApp({ retryMs: null })
  cleanups.push(() => app.close())
  return app
}

async function openStream(url: string): Promise<RawStream> {
  const stream = await openRawStream(url)
  cleanups.push(() => stream.close())
  return stream
}

async function listenExpress(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const postJson = (url: string, value: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  })

describe('ssehub/express', () => {
  it('serves the hub under a mount path beside the app’s own routes', async () => {
    const hub = hubApp()
    const app = express()
    app.use('/hub', expressHub(hub))
    app.get('/hub/other', (_req, res) => void res.send('app route'))
    const url = await listenExpress(app)
    const stream = await openStream(`${url}/hub/events?topic=t`)
    const id = await (await postJson(`${url}/hub/publish`, { topic: 't', data: 'a' })).text()
    await stream.waitFor(`id: ${id}\ndata: a\n\n`)
    expect(await (await fetch(`${url}/hub/other`)).text()).toBe('app route')
    expect((await fetch(`${url}/events`)).status).toBe(404)
  })

  it('publishes a body an app-wide parser read first', async () => {
    const hub = hubApp()
    const app = express()
    app.use(express.json(), express.urlencoded({ extended: false }))
    app.use(expressHub(hub))
    const url = await listenExpress(app)
    const stream = await openStream(`${url}/events?topic=t`)
    await postJson(`${url}/publish`, { topic: 't', data: 'as json' })
    await fetch(`${url}/publish`, {
      method: 'POST',
      body: new URLSearchParams([
        ['topic', 't'],
        ['topic', 'u'],
        ['data', 'as a form'],
      ]),
    })
    await stream.waitFor(/data: as json\n\n[\s\S]*data: as a form\n\n/)
  })

  it('leaves the app’s error handling to the app, and its middleware in front of the hub', async () => {
    const hub = hubApp()
    const app = express()
    app.use((req, res, next) => {
      if (req.headers['x-api-key'] !== 'k') return void res.status(401).send('app says no')
      next()
    })
    app.use(expressHub(hub))
    app.get('/boom', () => {
      throw new Error('app error')
    })
    app.use(
      (
        _error: unknown,
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => void res.status(500).send('app error handler'),
    )
    const url = await listenExpress(app)
    expect((await fetch(`${url}/events`)).status).toBe(401)
    const boom = await fetch(`${url}/boom`, { headers: { 'x-api-key': 'k' } })
    expect(await boom.text()).toBe('app error handler')
    // The hub answers its own errors itself: a 400, not the app's 500.
    const bad = await postJson(`${url}/publish`, { data: 'no topic' }, { 'x-api-key': 'k' })
    expect(bad.status).toBe(400)
  })
})

describe('ssehub/fastify', () => {
  async function listenFastify(setup: (fastify: FastifyInstance) => Promise<void>) {
    const fastify = Fastify()
    await setup(fastify)
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(async () => {
      fastify.server.closeAllConnections()
      await fastify.close()
    })
    return url
  }

  it('serves the hub under the plugin’s prefix, parsing bodies itself', async () => {
    const hub = hubApp()
    const url = await listenFastify(async (fastify) => {
      await fastify.register(ssehubPlugin, { app: hub, prefix: '/hub' })
      fastify.post('/echo', async (request) => request.body)
    })
    const stream = await openStream(`${url}/hub/events?topic=t`)
    const id = await (await postJson(`${url}/hub/publish`, { topic: 't', data: 'a' })).text()
    await stream.waitFor(`id: ${id}\ndata: a\n\n`)
    // The app's own routes keep Fastify's JSON parser.
    expect(await (await postJson(`${url}/echo`, { x: 1 })).json()).toEqual({ x: 1 })
  })

  it('runs the app’s hooks before the hub, and the hub’s own limits', async () => {
    const hub = createHubApp({ maxPublishBytes: 100 })
    cleanups.push(() => hub.close())
    const url = await listenFastify(async (fastify) => {
      fastify.addHook('onRequest', async (request, reply) => {
        if (request.headers['x-api-key'] !== 'k') await reply.code(401).send('app says no')
      })
      await fastify.register(ssehubPlugin, { app: hub })
    })
    expect((await fetch(`${url}/events`)).status).toBe(401)
    const headers = { 'x-api-key': 'k' }
    const large = await postJson(`${url}/publish`, { topic: 't', data: 'x'.repeat(200) }, headers)
    expect(large.status).toBe(413)
    const form = await fetch(`${url}/publish`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: 'not a publish',
    })
    expect(form.status).toBe(415)
  })
})

describe('ssehub/hono', () => {
  async function listenHono(app: Hono): Promise<string> {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          if ('closeAllConnections' in server) server.closeAllConnections()
          server.close(() => resolve())
        }),
    )
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('serves the hub beside the app’s routes, its middleware in front and onError its own', async () => {
    const hub = hubApp()
    const app = new Hono()
    app.use(async (c, next) => {
      if (c.req.header('x-api-key') !== 'k') return c.text('app says no', 401)
      await next()
    })
    app.use(honoHub(hub))
    app.get('/boom', () => {
      throw new Error('app error')
    })
    app.onError((_error, c) => c.text('app error handler', 500))
    const url = await listenHono(app)
    expect((await fetch(`${url}/events`)).status).toBe(401)
    const headers = { 'x-api-key': 'k' }
    const stream = await openRawStream(`${url}/events?topic=t`, headers)
    cleanups.push(() => stream.close())
    const id = await (await postJson(`${url}/publish`, { topic: 't', data: 'a' }, headers)).text()
    await stream.waitFor(`id: ${id}\ndata: a\n\n`)
    expect(await (await fetch(`${url}/boom`, { headers })).text()).toBe('app error handler')
    expect((await fetch(`${url}/nowhere`, { headers })).status).toBe(404)
  })

  it('serves the hub under a base path', async () => {
    const hub = hubApp()
    const app = new Hono()
    app.use('/hub/*', honoHub(hub, { basePath: '/hub' }))
    app.get('/events', (c) => c.text('the app’s own /events'))
    const url = await listenHono(app)
    const stream = await openStream(`${url}/hub/events?topic=t`)
    const id = await (await postJson(`${url}/hub/publish`, { topic: 't', data: 'a' })).text()
    await stream.waitFor(`id: ${id}\ndata: a\n\n`)
    expect(await (await fetch(`${url}/events`)).text()).toBe('the app’s own /events')
  })

  it('cuts a client that stopped reading at the unsent-bytes cap, logging nothing', async () => {
    const hub = createHubApp({ maxBufferedBytes: 1 << 20 })
    cleanups.push(() => hub.close())
    const app = new Hono()
    app.use(honoHub(hub))
    const url = await listenHono(app)
    const connection = await rawConnect(Number(new URL(url).port))
    cleanups.push(() => void connection.socket.destroy())
    connection.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
    await connection.waitFor(/\r\n\r\n/)
    connection.socket.pause()
    // @hono/node-server reports a body that errors on console.error: the hub cuts the
    // connection through its response instead, which it takes as a client gone, quietly.
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {})
    cleanups.push(() => reported.mockRestore())
    // Up to 25 MiB: more than loopback's socket buffers and the 1 MiB cap can hold.
    const event = 'x'.repeat(64 * 1024)
    for (let i = 0; i < 400 && hub.stats().overflows === 0; i++) {
      await hub.hub.publish('t', { data: event })
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(hub.stats()).toMatchObject({ overflows: 1, streams: 0 })
    connection.socket.resume()
    await connection.closed
    expect(reported).not.toHaveBeenCalled()
  })

  it('closes the hub’s stream when the client goes', async () => {
    const hub = hubApp()
    const app = new Hono()
    app.use(honoHub(hub))
    const url = await listenHono(app)
    const stream = await openRawStream(`${url}/events?topic=t`)
    expect(hub.stats().streams).toBe(1)
    stream.close()
    await stream.ended
    // The server sees the socket close a little after the client does.
    await vi.waitFor(() => expect(hub.stats().streams).toBe(0), { timeout: 2000, interval: 5 })
  })
})

describe.each([
  ['express', true],
  ['fastify', true],
  ['hono', true],
  ['express', false],
  ['fastify', false],
  ['hono', false],
] as const)('Mercure inside %s (mounted: %s)', (framework, mercure) => {
  it(mercure ? 'is answered by the hub' : 'is left to the app', async () => {
    const hub = hubApp()
    let url: string
    if (framework === 'express') {
      const app = express()
      app.use(expressHub(hub, { mercure }))
      url = await listenExpress(app)
    } else if (framework === 'fastify') {
      const fastify = Fastify()
      await fastify.register(ssehubPlugin, { app: hub, mercure })
      url = await fastify.listen({ port: 0, host: '127.0.0.1' })
      cleanups.push(() => fastify.close())
    } else {
      const app = new Hono()
      app.use(honoHub(hub, { mercure }))
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
      await new Promise((resolve) => server.once('listening', resolve))
      cleanups.push(() => void server.close())
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }
    const response = await fetch(`${url}/.well-known/mercure/subscriptions`)
    const text = await response.text()
    // The hub's answer names what it is; the frameworks' 404s are their own.
    if (mercure) expect(text).toMatch(/subscriptions API is off/)
    else expect(response.status).toBe(404)
  })
})

describe.each(['express', 'fastify', 'hono'] as const)(
  'a client leaving %s mid-stream',
  (framework) => {
    it('releases its stream and its subscription, replay and heartbeat included', async () => {
      const hub = createHubApp({ retryMs: null, heartbeatMs: 1000 })
      cleanups.push(() => hub.close())
      let url: string
      if (framework === 'express') {
        const app = express()
        app.use(expressHub(hub))
        url = await listenExpress(app)
      } else if (framework === 'fastify') {
        const fastify = Fastify()
        await fastify.register(ssehubPlugin, { app: hub })
        url = await fastify.listen({ port: 0, host: '127.0.0.1' })
        cleanups.push(() => fastify.close())
      } else {
        const app = new Hono()
        app.use(honoHub(hub))
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
        await new Promise((resolve) => server.once('listening', resolve))
        cleanups.push(() => void server.close())
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      }
      await hub.hub.publish('t', { id: 'e1', data: 'kept' })
      const streams = await Promise.all([
        openRawStream(`${url}/events?topic=t`),
        openRawStream(`${url}/events?topic=t`, { 'last-event-id': 'unknown' }),
      ])
      expect(hub.stats()).toMatchObject({ streams: 2, subscribers: 2 })
      for (const stream of streams) stream.close()
      await vi.waitFor(() => expect(hub.stats()).toMatchObject({ streams: 0, subscribers: 0 }), {
        timeout: 2000,
        interval: 5,
      })
      expect(hub.hub.subscriberCount).toBe(0)
    })
  },
)
