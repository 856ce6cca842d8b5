/**
 * A raw HTTP/2 client over TLS for tests that send frames `node:http2`'s client will not: a
 * request body left open and then reset (RST_STREAM without END_STREAM), as a browser does when
 * a `fetch` is aborted. `node:http2`'s `stream.close()` ends the body (END_STREAM) first.
 */
import { once } from 'node:events'
import { connect, type TLSSocket } from 'node:tls'

const DATA = 0
const HEADERS = 1
const RST_STREAM = 3
const SETTINGS = 4
const END_STREAM = 1
const END_HEADERS = 4

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.byteLength, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(streamId, 5)
  return Buffer.concat([head, payload])
}

// HPACK "literal header field without indexing, new name", lengths under 127, no Huffman.
function literal(name: string, value: string): Buffer {
  const n = Buffer.from(name)
  const v = Buffer.from(value)
  if (n.length > 126 || v.length > 126) throw new Error('header too long for this helper')
  return Buffer.concat([Buffer.from([0, n.length]), n, Buffer.from([v.length]), v])
}

/** One TLS connection speaking HTTP/2 frame by frame; the server's frames are ignored. */
export interface RawHttp2 {
  readonly socket: TLSSocket
  /** Opens stream `id` (odd, increasing) with `headers`; `endStream` for a request without body. */
  headers(id: number, headers: Record<string, string>, endStream?: boolean): void
  data(id: number, bytes: string, endStream?: boolean): void
  /** Resets stream `id` with `code` (8: CANCEL, as a browser aborting a fetch). */
  reset(id: number, code?: number): void
  close(): void
}

/** Connects to `port` on loopback and sends the preface and empty SETTINGS. */
export async function rawHttp2Connect(port: number, ca: Buffer): Promise<RawHttp2> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    ca,
    servername: 'localhost',
    ALPNProtocols: ['h2'],
  })
  socket.on('error', () => {})
  await once(socket, 'secureConnect')
  socket.resume()
  socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
  socket.write(frame(SETTINGS, 0, 0, new Uint8Array(0)))
  return {
    socket,
    headers(id, headers, endStream = false) {
      const block = Buffer.concat(Object.entries(headers).map(([n, v]) => literal(n, v)))
      socket.write(frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id, block))
    },
    data(id, bytes, endStream = false) {
      socket.write(frame(DATA, endStream ? END_STREAM : 0, id, Buffer.from(bytes)))
    },
    reset(id, code = 8) {
      const payload = Buffer.alloc(4)
      payload.writeUInt32BE(code)
      socket.write(frame(RST_STREAM, 0, id, payload))
    },
    close: () => void socket.destroy(),
  }
}
