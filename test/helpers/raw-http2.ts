/**
 * A raw HTTP/2 client over TLS for tests that send frames `node:http2`'s client will not: a
 * request body left open and then reset (RST_STREAM without END_STREAM), as a browser does when
 * a `fetch` is aborted. `node:http2`'s `stream.close()` ends the body (END_STREAM) first.
 */
import { once } from 'node:events'
import { connect, type TLSSocket } from 'node:tls'
import { createCondition } from './condition.js'

const DATA = 0
const HEADERS = 1
/** Frame types of RFC 9113, for reading {@link ReceivedFrame.type}. */
export const RST_STREAM = 3
const SETTINGS = 4
export const GOAWAY = 7
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

/** One frame the server sent: its type, stream and, for RST_STREAM and GOAWAY, error code. */
export interface ReceivedFrame {
  readonly type: number
  readonly streamId: number
  readonly errorCode: number | undefined
}

/** One TLS connection speaking HTTP/2 frame by frame. */
export interface RawHttp2 {
  readonly socket: TLSSocket
  /** Every frame the server has sent so far (their payloads not kept). */
  readonly received: readonly ReceivedFrame[]
  /** Resolves once `done` holds of the frames received (checked as each arrives). */
  until(done: (frames: readonly ReceivedFrame[]) => boolean, timeoutMs?: number): Promise<void>
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
  const received: ReceivedFrame[] = []
  const condition = createCondition()
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3)
      if (pending.length < 9 + length) break
      const type = pending[3] as number
      const streamId = pending.readUInt32BE(5) & 0x7fffffff
      const errorCode =
        type === RST_STREAM
          ? pending.readUInt32BE(9)
          : type === GOAWAY
            ? pending.readUInt32BE(13)
            : undefined
      received.push({ type, streamId, errorCode })
      pending = pending.subarray(9 + length)
    }
    condition.changed()
  })
  socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
  socket.write(frame(SETTINGS, 0, 0, new Uint8Array(0)))
  return {
    socket,
    received,
    until: (done, timeoutMs = 5000) =>
      condition.until(
        () => done(received),
        () => `frames (got ${received.length})`,
        timeoutMs,
      ),
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
