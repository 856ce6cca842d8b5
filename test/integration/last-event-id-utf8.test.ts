import { afterEach, describe, expect, it } from 'vitest'
import { HISTORY_GAP_EVENT } from '../../src/http/events-route.js'
import { rawConnect } from '../helpers/raw-http.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
const sockets: Array<{ destroy(): void }> = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await server?.close()
  server = undefined
})

/** Opens `/events?topic=t` with `Last-Event-ID` sent as `bytes` (a latin1 string, one char a byte). */
async function resume(port: number, bytes: string) {
  const connection = await rawConnect(port)
  sockets.push(connection.socket)
  connection.send(
    Buffer.from(
      `GET /events?topic=t HTTP/1.1\r\nHost: x\r\nLast-Event-ID: ${bytes}\r\n\r\n`,
      'latin1',
    ),
  )
  return connection
}

/** The `id:` lines received, read back as UTF-8. */
const ids = (latin1: string) =>
  [
    ...Buffer.from(latin1, 'latin1')
      .toString('utf8')
      .matchAll(/^id: (.*)$/gm),
  ].map((m) => m[1])

describe('Last-Event-ID beyond ASCII', () => {
  it('resumes after an id sent as UTF-8 bytes, as browsers send it: no gap, no event twice', async () => {
    server = await startTestServer()
    for (const id of ['café-1', 'café-2', 'café-3']) {
      await server.app.hub.publish('t', { data: 'x', id })
    }
    const utf8 = Buffer.from('café-2', 'utf8').toString('latin1')
    const connection = await resume(server.port, utf8)
    await connection.waitFor(/id: caf\xc3\xa9-3\n/)
    await server.app.hub.publish('t', { data: 'x', id: 'café-4' })
    const received = await connection.waitFor(/id: caf\xc3\xa9-4\n/)
    expect(received).not.toContain(HISTORY_GAP_EVENT)
    expect(ids(received)).toEqual(['café-3', 'café-4'])
  })

  it('takes header bytes that are not UTF-8 as latin1, as Node reads them', async () => {
    server = await startTestServer()
    for (const id of ['café-1', 'café-2']) await server.app.hub.publish('t', { data: 'x', id })
    // `é` as the one latin1 byte E9, which no UTF-8 sequence begins with.
    const connection = await resume(server.port, 'café-1')
    const received = await connection.waitFor(/id: caf\xc3\xa9-2\n/)
    expect(received).not.toContain(HISTORY_GAP_EVENT)
    expect(ids(received)).toEqual(['café-2'])
  })
})
