import { once } from 'node:events'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type ListenOptions, listen, type RunningServer } from '../../src/adapters/node.js'
import { createHubApp } from '../../src/app/app.js'
import type { HubAppOptions } from '../../src/app/options.js'
import { type RawConnection, rawConnect, within } from '../helpers/raw-http.js'

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A hub on loopback with short deadlines; `serverSockets` are the server's ends. */
async function serve(options: ListenOptions & { tls?: null }, appOptions: HubAppOptions = {}) {
  const app = createHubApp({ ...appOptions })
  const running: RunningServer = await listen(app, {
    port: 0,
    host: '127.0.0.1',
    closeTimeoutMs: 100,
    ...options,
  })
  const serverSockets: Socket[] = []
  running.server.on('connection', (socket: Socket) => serverSockets.push(socket))
  closers.push(() => running.close())
  return { ...running, app, serverSockets }
}

async function connect(port: number): Promise<RawConnection> {
  const connection = await rawConnect(port)
  closers.push(() => connection.socket.destroy())
  return connection
}

const publishHead = (length: number, extra = '') =>
  `POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`

describe('request deadlines', () => {
  it('answers a body that stops half-way 408 once its deadline passes, then closes the connection', async () => {
    const server = await serve({ bodyTimeoutMs: 200 })
    const connection = await connect(server.port)
    connection.send(`${publishHead(100)}{"topic":"t",`)
    await within(connection.closed, 5000, 'the stalled upload closed')
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /)
    expect(connection.received()).toMatch(/connection: close\r\n/i)
    expect(connection.received()).toContain('the request body did not arrive in time')
  })

  it('closes many stalled uploads, each holding part of a large body, and keeps none open', async () => {
    const server = await serve({ bodyTimeoutMs: 300 })
    const uploads = await Promise.all(Array.from({ length: 50 }, () => connect(server.port)))
    const part = 'x'.repeat(64 * 1024)
    for (const upload of uploads) upload.send(`${publishHead(1024 * 1024)}${part}`)
    await within(Promise.all(uploads.map((u) => u.closed)), 10_000, 'every stalled upload closed')
    await within(
      Promise.all(server.serverSockets.filter((s) => !s.destroyed).map((s) => once(s, 'close'))),
      5000,
      'every server socket closed',
    )
    expect(server.stats().connections).toBe(0)
    for (const upload of uploads) expect(upload.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('cuts a body still coming after the app has answered (a 401) at the body deadline', async () => {
    const server = await serve({ bodyTimeoutMs: 200 }, { publishKey: 'k' })
    const connection = await connect(server.port)
    connection.send(`${publishHead(100)}{"topic":`)
    await connection.waitFor(/^HTTP\/1\.1 401 /)
    await within(connection.closed, 5000, 'the connection draining a stalled body closed')
  })

  it('takes a body sent after its head, within the deadline', async () => {
    const server = await serve({ bodyTimeoutMs: 5000 })
    const connection = await connect(server.port)
    const body = '{"topic":"t","data":"late"}'
    connection.send(publishHead(body.length))
    await new Promise((resolve) => setImmediate(resolve))
    connection.send(body)
    await connection.waitFor(/^HTTP\/1\.1 200 [^\r]*\r\n(?:.*\r\n)*\r\nurn:uuid:/)
  })

  it('gives a head that stops half-way a 408 and closes it, within the deadline and a check period', async () => {
    const server = await serve({ headersTimeoutMs: 400 })
    const connection = await connect(server.port)
    // Past the first request, so that Node's own deadline is the one that applies.
    connection.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await connection.waitFor(/"status":"ok"/)
    connection.send('GET /healthz HTTP/1.1\r\nHost: x\r\n')
    await within(connection.closed, 3000, 'the slow head closed')
    expect(connection.received()).toMatch(/HTTP\/1\.1 408 /)
  })

  it('closes a connection that sends no request at all once the head deadline passes', async () => {
    const server = await serve({ headersTimeoutMs: 300 })
    const connection = await connect(server.port)
    await within(connection.closed, 3000, 'the silent connection closed')
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes an idle keep-alive connection once keepAliveTimeoutMs passes', async () => {
    const server = await serve({ keepAliveTimeoutMs: 300 })
    const connection = await connect(server.port)
    connection.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    await connection.waitFor(/"status":"ok"/)
    await within(connection.closed, 3000, 'the idle connection closed')
  })

  it('keeps an event stream open past every deadline', async () => {
    const server = await serve({
      headersTimeoutMs: 200,
      bodyTimeoutMs: 200,
      keepAliveTimeoutMs: 200,
    })
    const stream = await connect(server.port)
    stream.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
    await stream.waitFor(/^HTTP\/1\.1 200 /)
    // A silent connection made now is closed by the head deadline: by then the stream has
    // lived past every deadline.
    const silent = await connect(server.port)
    await within(silent.closed, 3000, 'the silent connection closed')
    await server.app.hub.publish('t', { data: 'still here' })
    await stream.waitFor(/data: still here\n/)
  })
})
