import { afterEach, describe, expect, it, vi } from 'vitest'
import { listen, type RunningServer } from '../../src/adapters/node.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import type { HubResponse } from '../../src/http/types.js'
import type { Logger } from '../../src/logger.js'
import { mercureUrl } from '../helpers/mercure.js'
import { type RawConnection, rawConnect } from '../helpers/raw-http.js'
import { type ServerProcess, spawnServer, startTestServer } from '../helpers/server.js'

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = []
  return {
    errors,
    info() {},
    warn() {},
    error: (msg, fields) => errors.push(`${msg} ${JSON.stringify(fields)}`),
  }
}

async function get(port: number, target: string, headers: string[] = []): Promise<RawConnection> {
  const connection = await rawConnect(port)
  closers.push(() => connection.socket.destroy())
  connection.send(
    Buffer.from(
      `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
      'latin1',
    ),
  )
  return connection
}

/** The UTF-8 bytes of `text` as latin1 characters, as a raw connection receives them. */
const utf8Bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

/** An app whose every answer is `response`: what a broken route would produce. */
function appAnswering(response: () => HubResponse, logger: Logger): HubApp {
  const app = createHubApp({ logger })
  return { ...app, handle: async () => response() }
}

async function serveApp(app: HubApp): Promise<RunningServer> {
  const running = await listen(app, { port: 0, host: '127.0.0.1', closeTimeoutMs: 100 })
  closers.push(() => running.close())
  return running
}

describe('response headers built from request or event data', () => {
  it('sends a Mercure Last-Event-ID beyond latin1 (snow☃) as its UTF-8 bytes', async () => {
    const server = await startTestServer({ mercure: { anonymous: true } })
    closers.push(() => server.close())
    await server.app.hub.publish('t', { data: 'x', id: 'snow☃' })
    const url = new URL(mercureUrl(server.url, ['t'], { lastEventID: 'snow☃' }))
    const connection = await get(server.port, `${url.pathname}${url.search}`)
    const head = await connection.waitFor(/\r\n\r\n/)
    expect(head).toMatch(/^HTTP\/1\.1 200 /)
    expect(head).toContain(`last-event-id: ${utf8Bytes('snow☃')}\r\n`)
  })

  it('leaves out a Mercure Last-Event-ID HTTP cannot carry back (a space at its end), and goes on serving', async () => {
    const server = await startTestServer({ mercure: { anonymous: true } })
    closers.push(() => server.close())
    await server.app.hub.publish('t', { data: 'x', id: 'x ' })
    await server.app.hub.publish('t', { data: 'after' })
    const url = new URL(mercureUrl(server.url, ['t'], { lastEventID: 'x ' }))
    const connection = await get(server.port, `${url.pathname}${url.search}`)
    const received = await connection.waitFor(/data: after\n/)
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    expect(received.toLowerCase()).not.toContain('last-event-id:')
  })

  it('echoes an Origin sent as UTF-8 bytes back as the same bytes', async () => {
    const server = await startTestServer()
    closers.push(() => server.close())
    const origin = utf8Bytes('https://bücher.example')
    const connection = await get(server.port, '/healthz', [`Origin: ${origin}`])
    const head = await connection.waitFor(/\r\n\r\n/)
    expect(head).toMatch(/^HTTP\/1\.1 200 /)
    expect(head).toContain(`access-control-allow-origin: ${origin}\r\n`)
  })

  it('answers 500 and logs, rather than throwing, when a response header cannot be written', async () => {
    const logger = recordingLogger()
    const app = appAnswering(
      () => ({ status: 200, headers: { 'x-from-data': 'snow☃' }, body: 'x' }),
      logger,
    )
    const server = await serveApp(app)
    const response = await fetch(`${server.url}/anything`)
    expect(response.status).toBe(500)
    expect(response.statusText).toBe('Internal Server Error')
    expect(response.headers.get('x-from-data')).toBeNull()
    expect(logger.errors).toEqual([
      expect.stringMatching(/could not write a response.*x-from-data/),
    ])
    expect((await fetch(`${server.url}/again`)).status).toBe(500)
  })

  it('cuts the connection, and logs, when a stream fails after its headers are out', async () => {
    const logger = recordingLogger()
    const app = appAnswering(
      () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        start() {
          throw new Error('broken stream')
        },
      }),
      logger,
    )
    const server = await serveApp(app)
    const connection = await get(server.port, '/events')
    await connection.closed
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /)
    expect(logger.errors).toEqual([expect.stringMatching(/broken stream/)])
  })
})

describe('ssehub serve', () => {
  let hub: ServerProcess | undefined
  afterEach(() => {
    hub?.child.kill('SIGKILL')
    hub = undefined
  })

  it('stays up after a Mercure resume from an id beyond latin1 (the issue 20 crash)', async () => {
    const exited = vi.fn()
    hub = await spawnServer(['--no-clock', '--anonymous'])
    hub.exited.then(exited)
    const published = await fetch(`${hub.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 't', data: 'x', id: 'snow☃' }),
    })
    expect(published.status).toBe(200)
    const controller = new AbortController()
    const stream = await fetch(mercureUrl(hub.url, ['t'], { lastEventID: 'snow☃' }), {
      signal: controller.signal,
    })
    expect(stream.status).toBe(200)
    controller.abort()
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
    expect(exited).not.toHaveBeenCalled()
  })
})
