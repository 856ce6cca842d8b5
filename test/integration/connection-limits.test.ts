import { afterEach, describe, expect, it } from 'vitest'
import { type ListenOptions, listen } from '../../src/adapters/node.js'
import { createHubApp } from '../../src/app/app.js'
import type { LogFields, Logger } from '../../src/logger.js'
import { createCondition } from '../helpers/condition.js'
import { type RawConnection, rawConnect, within } from '../helpers/raw-http.js'

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

interface LogLine {
  level: string
  msg: string
  fields: LogFields | undefined
}

async function serve(options: ListenOptions) {
  const lines: LogLine[] = []
  const logged = createCondition()
  const log = (level: string) => (msg: string, fields?: LogFields) => {
    lines.push({ level, msg, fields })
    logged.changed()
  }
  const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') }
  const app = createHubApp({ logger })
  const running = await listen(app, { port: 0, host: '127.0.0.1', closeTimeoutMs: 100, ...options })
  closers.push(() => running.close())
  const waitForLog = (msg: string) =>
    logged.until(
      () => lines.some((l) => l.msg === msg),
      () => `the log line ${JSON.stringify(msg)}`,
      5000,
    )
  return { ...running, app, lines, waitForLog }
}

async function request(
  port: number,
  head: string,
  localAddress = '127.0.0.1',
): Promise<RawConnection> {
  const connection = await rawConnect(port, { localAddress })
  closers.push(() => connection.socket.destroy())
  connection.send(head)
  return connection
}

const eventSourceGet = (path = '/events?topic=t') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`
const publishPost = (body = '{"topic":"t","data":"x"}') =>
  `POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`

async function openStreams(port: number, count: number, localAddress?: string) {
  const streams: RawConnection[] = []
  for (let i = 0; i < count; i++) {
    const stream = await request(port, eventSourceGet(), localAddress)
    await stream.waitFor(/^HTTP\/1\.1 200 [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/)
    streams.push(stream)
  }
  return streams
}

/** The `retry:` of a refused EventSource-style request, after checking it was closed at once. */
async function refusedRetry(connection: RawConnection): Promise<number> {
  await within(connection.closed, 5000, 'the refused connection closed')
  const text = connection.received()
  expect(text).toMatch(/^HTTP\/1\.1 200 /)
  expect(text).toMatch(/\r\ncontent-type: text\/event-stream/i)
  expect(text).toMatch(/\r\nconnection: close\r\n/i)
  expect(text).not.toMatch(/^data:/m)
  return Number(/^retry: (\d+)$/m.exec(text)?.[1])
}

describe('maxConnections', () => {
  it('past the limit: an EventSource is told to retry later, others get 429, /healthz answers; logged once', async () => {
    const server = await serve({ maxConnections: 20 })
    const streams = await openStreams(server.port, 20)

    const retry = await refusedRetry(await request(server.port, eventSourceGet()))
    expect(retry).toBeGreaterThanOrEqual(15_000)
    expect(retry).toBeLessThanOrEqual(45_000)

    const post = await request(server.port, publishPost())
    await within(post.closed, 5000, 'the refused publish closed')
    expect(post.received()).toMatch(/^HTTP\/1\.1 429 /)
    const retryAfter = Number(/\r\nretry-after: (\d+)\r\n/i.exec(post.received())?.[1])
    expect(retryAfter).toBeGreaterThanOrEqual(15)
    expect(retryAfter).toBeLessThanOrEqual(45)
    expect(post.received()).toMatch(/\r\nconnection: close\r\n/i)

    const health = await request(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(health.closed, 5000, 'the /healthz answer closed')
    expect(health.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*"status":"ok"/)

    const reached = server.lines.filter((l) => /connection limit reached/.test(l.msg))
    expect(reached).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ maxConnections: 20 }),
      }),
    ])
    expect(server.stats()).toMatchObject({
      connections: 20,
      refusedOverMaxConnections: 2,
      refusedOverMaxConnectionsPerIp: 0,
    })
    // Counted where /metrics reads refusals.
    expect(server.app.stats().refused.connections).toBe(2)

    // Back under 90% of the limit it clears, and new connections are served again.
    for (const stream of streams.slice(0, 3)) stream.socket.destroy()
    await server.waitForLog('connection limit cleared')
    await openStreams(server.port, 1)
  })

  it('refuses a cross-origin EventSource in a form it can read: its origin echoed, credentials allowed', async () => {
    const server = await serve({ maxConnections: 1 })
    await openStreams(server.port, 1)
    const refused = await request(
      server.port,
      eventSourceGet().replace('\r\n\r\n', '\r\nOrigin: https://app.example\r\n\r\n'),
    )
    await refusedRetry(refused)
    expect(refused.received()).toMatch(
      /\r\naccess-control-allow-origin: https:\/\/app\.example\r\n/i,
    )
    expect(refused.received()).toMatch(/\r\naccess-control-allow-credentials: true\r\n/i)
  })
})

describe('maxConnectionsPerIp', () => {
  it('refuses a third connection from one address and still admits another address', async () => {
    const server = await serve({ maxConnections: 20, maxConnectionsPerIp: 2 })
    await openStreams(server.port, 2, '127.0.0.1')
    const retry = await refusedRetry(await request(server.port, eventSourceGet(), '127.0.0.1'))
    expect(retry).toBeGreaterThanOrEqual(15_000)
    await openStreams(server.port, 2, '127.0.0.2')
    expect(server.stats()).toMatchObject({
      refusedOverMaxConnections: 0,
      refusedOverMaxConnectionsPerIp: 1,
    })
    const reached = server.lines.filter((l) => /per-client connection limit reached/.test(l.msg))
    expect(reached).toEqual([
      expect.objectContaining({ fields: { maxConnectionsPerIp: 2, address: '127.0.0.1' } }),
    ])
  })
})
