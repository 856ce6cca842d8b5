import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen } from '../../src/adapters/node.js'
import { createHubApp } from '../../src/app/app.js'
import { createMetricsRegistry, registryEndpoint } from '../../src/metrics/prometheus.js'
import { type HttpsClient, http1Client, http2Client } from '../helpers/https-clients.js'
import { spawnServer } from '../helpers/server.js'
import { makeTestCertificate, type TestCertificate } from '../helpers/tls.js'

/** A hub served over HTTPS, however it was started. */
interface SecureHub {
  readonly url: string
  close(): Promise<void>
}

const certificate: TestCertificate = makeTestCertificate()
afterAll(() => certificate.remove())

const SERVERS: Record<string, () => Promise<SecureHub>> = {
  'listen({ tls })': async () => {
    const app = createHubApp({
      retryMs: 1000,
      retrySpreadMs: 0,
      mercure: { anonymous: true },
      metrics: (app) => registryEndpoint(createMetricsRegistry({ app, processMetrics: false })),
    })
    const { cert, key } = certificate
    return listen(app, { port: 0, host: '127.0.0.1', closeTimeoutMs: 200, tls: { cert, key } })
  },
  'ssehub serve --tls-cert --tls-key --workers 2': async () => {
    const server = await spawnServer([
      ...['--tls-cert', certificate.certPath, '--tls-key', certificate.keyPath],
      ...['--workers', '2', '--no-clock', '--retry-spread', '0', '--anonymous'],
    ])
    return {
      url: server.url,
      async close() {
        server.child.kill('SIGTERM')
        await server.exited
      },
    }
  },
}

const CLIENTS: Record<string, (origin: string, ca: Buffer) => HttpsClient> = {
  'HTTP/2': http2Client,
  'HTTP/1.1 (ALPN fallback)': http1Client,
}

const JSON_HEADERS = { 'content-type': 'application/json' }

describe.each(Object.keys(SERVERS))('the wire over HTTPS, served by %s', (serverName) => {
  let hub: SecureHub
  beforeAll(async () => {
    hub = await (SERVERS[serverName] as () => Promise<SecureHub>)()
    return () => hub.close()
  })

  describe.each(Object.keys(CLIENTS))('over %s', (clientName) => {
    let client: HttpsClient
    let topic = 0
    const nextTopic = () => `${clientName.slice(0, 6)}-${++topic}`.replace(/[^\w-]/g, '')
    beforeAll(() => {
      client = (CLIENTS[clientName] as typeof http2Client)(hub.url, certificate.cert)
      return () => client.close()
    })

    it('opens an event stream with its headers and a retry: hint, on the negotiated protocol', async () => {
      const stream = await client.request('GET', `/events?topic=${nextTopic()}`, {
        accept: 'text/event-stream',
      })
      try {
        expect(stream.protocol).toBe(client.name)
        expect(stream.status).toBe(200)
        expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8')
        expect(stream.headers['cache-control']).toBe('no-cache, no-transform')
        await stream.waitFor(/^retry: 1000\n\n/)
        // HTTP/2 forbids connection-specific headers; HTTP/1.1 keeps its framing.
        const connectionHeaders = ['connection', 'keep-alive', 'transfer-encoding']
        const sent = connectionHeaders.filter((name) => stream.headers[name] !== undefined)
        expect(sent).toEqual(client.name === 'h2' ? [] : ['connection', 'transfer-encoding'])
      } finally {
        stream.close()
      }
    })

    it('delivers an event published over the same protocol', async () => {
      const name = nextTopic()
      const stream = await client.request('GET', `/events?topic=${name}`)
      try {
        await stream.waitFor('retry: ')
        const published = await client.request(
          'POST',
          '/publish',
          JSON_HEADERS,
          JSON.stringify({ topic: name, id: `${name}-1`, data: 'over TLS' }),
        )
        await published.ended
        expect(published.status).toBe(200)
        expect(published.text()).toBe(`${name}-1`)
        await stream.waitFor(`id: ${name}-1\ndata: over TLS\n\n`)
      } finally {
        stream.close()
      }
    })

    it('replays the events after Last-Event-ID, then live ones', async () => {
      const name = nextTopic()
      const batch = ['a', 'b', 'c'].map((data) => ({ topic: name, id: `${name}-${data}`, data }))
      const published = await client.request(
        'POST',
        '/publish',
        JSON_HEADERS,
        JSON.stringify(batch),
      )
      await published.ended
      expect(published.status).toBe(200)
      const stream = await client.request('GET', `/events?topic=${name}`, {
        'last-event-id': `${name}-a`,
      })
      try {
        await stream.waitFor(`id: ${name}-c\ndata: c\n\n`)
        const live = await client.request(
          'POST',
          '/publish',
          JSON_HEADERS,
          JSON.stringify({ topic: name, id: `${name}-d`, data: 'd' }),
        )
        await live.ended
        const text = await stream.waitFor(`id: ${name}-d\ndata: d\n\n`)
        const ids = [...text.matchAll(/^id: (.+)$/gm)].map((match) => match[1])
        expect(ids).toEqual([`${name}-b`, `${name}-c`, `${name}-d`])
      } finally {
        stream.close()
      }
    })

    it('serves a Mercure subscription, and /metrics', async () => {
      const name = nextTopic()
      const url = `https://example.com/${name}`
      const stream = await client.request(
        'GET',
        `/.well-known/mercure?topic=${encodeURIComponent(url)}`,
      )
      try {
        expect([stream.status, stream.headers['content-type']]).toEqual([
          200,
          'text/event-stream; charset=utf-8',
        ])
        await stream.waitFor('retry: ')
        const published = await client.request(
          'POST',
          '/publish',
          JSON_HEADERS,
          JSON.stringify({ topic: url, id: `${name}-m`, data: 'to Mercure' }),
        )
        await published.ended
        await stream.waitFor(`id: ${name}-m\ndata: to Mercure\n\n`)
      } finally {
        stream.close()
      }
      const metrics = await client.request('GET', '/metrics')
      await metrics.ended
      expect(metrics.status).toBe(200)
      expect(metrics.text()).toMatch(/^ssehub_events_published_total/m)
    })
  })
})
