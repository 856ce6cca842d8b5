import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
const sockets: Socket[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const socket of sockets.splice(0)) socket.destroy()
  await server?.close()
  server = undefined
})

/** A raw TCP connection to the test server, with everything it has received as text. */
async function rawConnection(): Promise<{
  send(text: string): void
  waitFor(p: RegExp): Promise<string>
  received(): string
}> {
  const socket = connect(server?.port ?? 0, '127.0.0.1')
  sockets.push(socket)
  await new Promise((resolve) => socket.once('connect', resolve))
  let received = ''
  const waiters = new Set<() => void>()
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    received += chunk
    for (const wake of waiters) wake()
  })
  return {
    send: (text) => void socket.write(text),
    received: () => received,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(received)) return
          waiters.delete(check)
          resolve(received)
        }
        socket.once('close', () => reject(new Error(`closed; received:\n${received}`)))
        waiters.add(check)
        check()
      }),
  }
}

const HEAD_END = '\r\n\r\n'

/**
 * Makes the server busy: a turn that wrote has just ended and the clock stands still, so the
 * writes of the next turn queue and leave together (after a quiet spell they would go at once).
 * The write is an event to a stream of another topic, left open.
 */
async function afterBusyTurn(): Promise<void> {
  vi.useFakeTimers({ toFake: ['performance'] })
  const warm = await rawConnection()
  warm.send('GET /events?topic=warm HTTP/1.1\r\nHost: x\r\n\r\n')
  await warm.waitFor(/\r\n\r\n/)
  await server?.app.hub.publish('warm', { id: 'warm', data: 'warm' })
  await warm.waitFor(/data: warm/)
  // The turn that wrote it ends (its flush runs) by the next check phase.
  await new Promise((resolve) => setImmediate(resolve))
}

describe('event-stream wire format over HTTP/1.1', () => {
  it('sends the events published in one turn as one chunk', async () => {
    server = await startTestServer()
    const connection = await rawConnection()
    connection.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
    await connection.waitFor(/\r\n\r\n/)
    await afterBusyTurn()
    await server.app.hub.publish('t', { id: '1', data: 'a' })
    await server.app.hub.publish('t', { id: '2', data: 'b' })
    const received = await connection.waitFor(/id: 2\ndata: b\n\n\r\n/)
    const body = received.slice(received.indexOf(HEAD_END) + HEAD_END.length)
    const events = 'id: 1\ndata: a\n\nid: 2\ndata: b\n\n'
    expect(received).toMatch(/transfer-encoding: chunked/i)
    expect(body).toBe(`${events.length.toString(16)}\r\n${events}\r\n`)
  })

  it('answers a request pipelined behind another in order, then streams', async () => {
    server = await startTestServer()
    const connection = await rawConnection()
    connection.send(
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n',
    )
    await connection.waitFor(/text\/event-stream[\s\S]*\r\n\r\n/)
    await server.app.hub.publish('t', { id: '1', data: 'a' })
    const received = await connection.waitFor(/data: a\n\n\r\n/)
    expect(received.indexOf('"status":"ok"')).toBeLessThan(received.indexOf('text/event-stream'))
    expect(received.endsWith('\r\n\r\nf\r\nid: 1\ndata: a\n\n\r\n')).toBe(true)
  })

  it('cuts the connection of a stream over its cap, with nothing more sent on it', async () => {
    server = await startTestServer({ maxBufferedBytes: 10 })
    const connection = await rawConnection()
    connection.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
    const head = await connection.waitFor(/\r\n\r\n/)
    // Over the cap once queued: the server aborts this stream, its socket with it.
    await afterBusyTurn()
    await server.app.hub.publish('t', { data: 'more than ten bytes' })
    await expect(connection.waitFor(/never/)).rejects.toThrow(/closed; received/)
    expect(connection.received()).toBe(head)
    // The stream that made the server busy is still open.
    expect(server.app.stats()).toMatchObject({ streams: 1, overflows: 1 })
  })

  it('answers a publish with a Content-Length body, and a preflight with neither', async () => {
    server = await startTestServer()
    const connection = await rawConnection()
    const form = 'topic=t&data=a'
    connection.send(
      `POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}` +
        'OPTIONS /publish HTTP/1.1\r\nHost: x\r\n\r\n',
    )
    const received = await connection.waitFor(/HTTP\/1\.1 204[\s\S]*\r\n\r\n$/)
    const publishHead = received.slice(0, received.indexOf(HEAD_END))
    const rest = received.slice(publishHead.length + HEAD_END.length)
    const id = server.app.hub.lastEventId ?? ''
    expect(publishHead).toMatch(new RegExp(`content-length: ${id.length}`, 'i'))
    expect(publishHead).not.toMatch(/transfer-encoding/i)
    // The next response starts right after the declared length: the framing is exact.
    expect(rest.startsWith(`${id}HTTP/1.1 204 No Content\r\n`)).toBe(true)
    const preflightHead = received.slice(received.indexOf('HTTP/1.1 204'))
    expect(preflightHead).not.toMatch(/content-length|transfer-encoding/i)
  })

  it('sends HTTP/1.0 clients the bare event stream, without chunk framing', async () => {
    server = await startTestServer()
    const connection = await rawConnection()
    connection.send('GET /events?topic=t HTTP/1.0\r\n\r\n')
    await connection.waitFor(/\r\n\r\n/)
    await server.app.hub.publish('t', { id: '1', data: 'a' })
    const received = await connection.waitFor(/data: a\n\n/)
    expect(received.endsWith('\r\n\r\nid: 1\ndata: a\n\n')).toBe(true)
  })

  it('frames each stream its own way when one loop writes a topic’s streams', async () => {
    server = await startTestServer()
    vi.useFakeTimers({ toFake: ['performance'] })
    const chunked = await rawConnection()
    chunked.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
    await chunked.waitFor(/\r\n\r\n/)
    const bare = await rawConnection()
    bare.send('GET /events?topic=t HTTP/1.0\r\n\r\n')
    await bare.waitFor(/\r\n\r\n/)
    // The first event lets both streams into the topic's loop; the second, after a quiet
    // spell, goes through it.
    await server.app.hub.publish('t', { id: '1', data: 'a' })
    await Promise.all([chunked.waitFor(/data: a\n\n\r\n/), bare.waitFor(/data: a\n\n/)])
    vi.advanceTimersByTime(10)
    await server.app.hub.publish('t', { id: '2', data: 'b' })
    const [overChunks, overBare] = await Promise.all([
      chunked.waitFor(/data: b\n\n\r\n/),
      bare.waitFor(/data: b\n\n/),
    ])
    expect(overChunks.endsWith('f\r\nid: 1\ndata: a\n\n\r\nf\r\nid: 2\ndata: b\n\n\r\n')).toBe(true)
    expect(overBare.endsWith('\r\n\r\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n')).toBe(true)
  })
})
