/**
 * Each framework adapter behind its framework's compression, set to compress everything it
 * may: the app's own responses come out compressed, the hub's events each at once, as sent.
 */
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import compress from '@fastify/compress'
import { serve } from '@hono/node-server'
import compression from 'compression'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { compress as honoCompress } from 'hono/compress'
import { afterEach, describe, expect, it } from 'vitest'
import { ssehub as expressHub } from '../../src/adapters/express.js'
import { ssehubPlugin } from '../../src/adapters/fastify.js'
import { ssehub as honoHub } from '../../src/adapters/hono.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import { openRawStream } from '../helpers/sse-reader.js'

const LARGE = { text: 'compress me '.repeat(1000) }

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

/** Starts `framework` with its compression, the hub, and `GET /large`; returns its URL. */
async function start(framework: string, hub: HubApp): Promise<string> {
  if (framework === 'fastify') {
    const fastify = Fastify()
    await fastify.register(compress, { threshold: 0 })
    await fastify.register(ssehubPlugin, { app: hub })
    fastify.get('/large', async () => LARGE)
    cleanups.push(async () => {
      fastify.server.closeAllConnections()
      await fastify.close()
    })
    return fastify.listen({ port: 0, host: '127.0.0.1' })
  }
  const server =
    framework === 'express'
      ? express()
          .use(compression({ threshold: 0 }))
          .use(expressHub(hub))
          .get('/large', (_req, res) => void res.json(LARGE))
          .listen(0, '127.0.0.1')
      : serve({
          fetch: new Hono()
            .use(honoCompress({ threshold: 0 }))
            .use(honoHub(hub))
            .get('/large', (c) => c.json(LARGE)).fetch,
          port: 0,
          hostname: '127.0.0.1',
        })
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

/** The `Content-Encoding` of `url` asked for with gzip (fetch would hide it by decoding). */
function encodingOf(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      res.resume()
      resolve(res.headers['content-encoding'])
    })
    req.on('error', reject)
    req.end()
  })
}

describe.each(['express', 'fastify', 'hono'])('%s behind its compression', (framework) => {
  it('compresses the app’s responses and sends each event at once, uncompressed', async () => {
    const hub = createHubApp({ heartbeatMs: null })
    cleanups.push(() => hub.close())
    const url = await start(framework, hub)
    expect(await encodingOf(`${url}/large`)).toBe('gzip')
    const stream = await openRawStream(`${url}/events?topic=t`, { 'accept-encoding': 'gzip' })
    cleanups.push(() => stream.close())
    expect(stream.response.headers.get('content-encoding')).toBeNull()
    // No heartbeat to push bytes out: each event must arrive before the next is published.
    for (let i = 1; i <= 5; i++) {
      const { id } = await hub.hub.publish('t', { data: `event ${i}` })
      await stream.waitFor(`id: ${id}\ndata: event ${i}\n\n`, 2000)
    }
  })
})
