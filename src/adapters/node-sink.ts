/**
 * The sink of one `node:http` event-stream response: bytes straight to the socket.
 */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type DirectSink, type DirectWrites, kDirectWrites } from '../stream/direct-writes.js'

/**
 * Writes an event stream's bytes to its response's socket, framing chunked transfer encoding
 * itself.
 *
 * Why not `res.write`: for each call Node corks the socket, schedules an uncork, and writes the
 * chunk size, the bytes and a CRLF as three buffers (a `writev`); with thousands of streams
 * that per-call work, not the bytes, is most of the server's CPU. Here a write is one buffer
 * and one plain `write`, and the framing of a chunk shared by many streams (a broadcast) is
 * built once, see {@link createSocketFrames}. The wire format is unchanged: HTTP/1.1 chunked, so
 * keep-alive after the stream ends stays correct; HTTP/1.0 gets the raw bytes.
 *
 * Until the response owns its socket (a request pipelined behind another waits its turn) bytes
 * go through `res.write`, which Node queues and sends in order when the turn comes. From then on
 * the sink offers the socket and the chunk framing to its stream ({@link kDirectWrites}),
 * which writes there itself.
 */
export class NodeSink implements DirectSink {
  readonly #res: ServerResponse
  // Set once the response owns its socket with its headers sent; from then on a write touches
  // the socket alone, not the response's getters as well (with thousands of streams written one
  // after the other, each object a write reads is one more likely cache miss).
  #socket: Socket | undefined
  // What a write to the socket needs around its bytes: an HTTP/1.1 chunk's framing, or nothing.
  #frame: (chunk: Uint8Array) => Uint8Array
  readonly #frames: SocketFrames
  #ended = false

  /** `frames`: the server's, shared by its sinks ({@link createSocketFrames}). */
  constructor(res: ServerResponse, frames: SocketFrames) {
    this.#res = res
    this.#frames = frames
    this.#frame = frames.raw
  }

  write(chunk: Uint8Array): void {
    const direct = this.#socket
    if (direct !== undefined) {
      // `writable` reads the socket's write state alone (which the write touches anyway);
      // `destroyed` would read its read state as well.
      if (!this.#ended && direct.writable) direct.write(this.#frame(chunk))
      return
    }
    const res = this.#res
    if (res.writableEnded || res.destroyed) return
    const socket = res.socket
    if (socket === null || !res.headersSent) {
      res.write(chunk)
      return
    }
    this.#socket = socket
    if (res.chunkedEncoding) this.#frame = this.#frames.chunk
    socket.write(this.#frame(chunk))
  }

  get bufferedBytes(): number {
    // Once writing to the socket, everything unsent is in the socket's own buffer; until then
    // Node's count for the response includes the socket's.
    return this.#socket?.writableLength ?? this.#res.writableLength
  }

  end(): void {
    this.#ended = true
    if (!this.#res.writableEnded) this.#res.end()
  }

  abort(): void {
    this.#ended = true
    // Destroying the response destroys its socket: the fd and the bytes queued in it go now,
    // not when a peer that stopped reading finally leaves.
    if (!this.#res.destroyed) this.#res.destroy()
  }

  onDrain(listener: () => void): void {
    // 'drain' comes only after a write that filled the buffer; otherwise there is room now.
    const writer = this.#socket ?? this.#res
    if (writer.writableNeedDrain) writer.once('drain', listener)
    else setImmediate(listener)
  }

  [kDirectWrites](): DirectWrites | undefined {
    const socket = this.#socket
    if (socket === undefined || this.#ended) return undefined
    return { target: socket, frame: this.#frame }
  }

  onClose(listener: () => void): void {
    // The client may have gone while its subscription was being made.
    if (this.#res.closed || this.#res.destroyed) queueMicrotask(listener)
    else this.#res.once('close', listener)
  }
}

const CR = 0x0d
const LF = 0x0a

/** The bytes of an event stream as a socket takes them, for the two wire forms. */
export interface SocketFrames {
  /** As one HTTP/1.1 chunk: size in hex, CRLF, the bytes, CRLF. */
  readonly chunk: (body: Uint8Array) => Buffer
  /** As they are (HTTP/1.0), in a `Buffer` over the same memory. */
  readonly raw: (body: Uint8Array) => Buffer
}

/**
 * The framing of one server's sinks, each form with its own memory of the last bytes: the
 * streams written one after the other in a turn are mostly handed the same buffer, which is
 * then framed (or wrapped) once for all. A `Buffer`, because `Writable.write` wraps any other
 * `Uint8Array` in a new one on every call, once per socket of a fan-out. One per server (made
 * by `listen` or `toNodeListener`), so that two servers in a process share nothing.
 */
export function createSocketFrames(): SocketFrames {
  return { chunk: lastOf(frameChunk), raw: lastOf(bufferOf) }
}

// `make`, with its last answer kept for the same input.
function lastOf(make: (body: Uint8Array) => Buffer): (body: Uint8Array) => Buffer {
  let lastBody: Uint8Array | undefined
  let lastMade: Buffer | undefined
  return (body) => {
    if (body === lastBody && lastMade !== undefined) return lastMade
    lastMade = make(body)
    lastBody = body
    return lastMade
  }
}

/** `body` as a `Buffer` over the same memory (no copy). */
function bufferOf(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

/** `body` as one HTTP/1.1 chunk, in a new buffer. */
export function frameChunk(body: Uint8Array): Buffer {
  // One allocation, written in place: at a steady rate every event is framed on its own. The
  // size line and CRLFs byte by byte: each call into Node's bindings (a latin1 write, a copy)
  // runs cold there (docs/decisions/0001).
  const size = body.byteLength.toString(16)
  const framed = Buffer.allocUnsafe(size.length + body.byteLength + 4)
  let at = 0
  for (; at < size.length; at++) framed[at] = size.charCodeAt(at)
  framed[at++] = CR
  framed[at++] = LF
  framed.set(body, at)
  at += body.byteLength
  framed[at++] = CR
  framed[at] = LF
  return framed
}
