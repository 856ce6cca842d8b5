/**
 * What the Node adapter does differently for a request that came over HTTP/2 (Node's
 * compatibility API, `Http2ServerRequest` / `Http2ServerResponse`): the connection is a session
 * shared by many streams, connection headers are forbidden, and the socket is not the
 * response's to write to.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  constants,
  Http2ServerRequest,
  Http2ServerResponse,
  type ServerHttp2Stream,
} from 'node:http2'
import type { Sink } from '../stream/sink.js'
import type { SocketFrames } from './node-sink.js'

/**
 * Whether `req` came over HTTP/2. The adapter handles both kinds as `IncomingMessage` /
 * `ServerResponse`: the compatibility API has their shape for everything it uses, and the few
 * differences are behind this test.
 */
export function isHttp2Request(req: IncomingMessage): boolean {
  return (req as unknown) instanceof Http2ServerRequest
}

/** Whether `res` answers a request that came over HTTP/2. */
export function isHttp2Response(res: ServerResponse): boolean {
  return (res as unknown) instanceof Http2ServerResponse
}

/**
 * What the connection limits know a request's connection by: the socket over HTTP/1, the
 * session over HTTP/2 (there `req.socket` is a proxy made per stream).
 */
export function connectionKey(req: IncomingMessage): object {
  return isHttp2Request(req) ? (streamOf(req).session ?? req) : req.socket
}

/**
 * Ends an HTTP/2 exchange once its response is written: a connection past a limit is told to go
 * away (GOAWAY: its open streams finish, no new one starts; the fd is freed once they do), and a
 * request whose body was not read in full is reset without error (RFC 9113 section 8.1), rather
 * than drained as an HTTP/1 connection must be to stay usable.
 */
export function endHttp2Exchange(req: IncomingMessage, close: boolean): void {
  const stream = streamOf(req)
  // Taken now: a stream that has closed no longer knows its session.
  const session = stream.session
  // The stream's own 'finish' (all sent): the response's waits for the stream to close, which
  // a client still sending its body would hold off.
  const finished = () => {
    if (!req.complete && !stream.closed) stream.close(constants.NGHTTP2_NO_ERROR)
    if (close && session !== undefined && !session.closed) session.close()
  }
  if (stream.writableFinished) finished()
  else stream.once('finish', finished)
}

function streamOf(req: IncomingMessage): ServerHttp2Stream {
  return (req as unknown as Http2ServerRequest).stream
}

/**
 * The sink of one event stream over HTTP/2: bytes go through the HTTP/2 stream, which frames
 * them as DATA frames under the peer's flow control. There is no socket fast path here: the
 * socket carries every stream of the session, and only Node's HTTP/2 session may write to it.
 */
export class Http2Sink implements Sink {
  readonly #res: ServerResponse
  readonly #stream: ServerHttp2Stream
  readonly #frames: SocketFrames
  #ended = false

  /** `frames`: the server's, shared by its sinks ({@link createSocketFrames}). */
  constructor(res: ServerResponse, frames: SocketFrames) {
    this.#res = res
    this.#stream = (res as unknown as Http2ServerResponse).stream
    this.#frames = frames
  }

  write(chunk: Uint8Array): void {
    const stream = this.#stream
    // A Buffer, made once for the streams a chunk is written to one after the other: a stream
    // wraps any other Uint8Array in a new Buffer on every write.
    if (!this.#ended && stream.writable && !stream.destroyed) stream.write(this.#frames.raw(chunk))
  }

  get bufferedBytes(): number {
    // What the peer's flow-control window has not let out yet is counted here too: a client
    // that stops reading fills it like a socket's buffer.
    return this.#stream.writableLength
  }

  end(): void {
    this.#ended = true
    if (!this.#res.writableEnded && !this.#stream.destroyed) this.#res.end()
  }

  abort(): void {
    this.#ended = true
    // Resets this stream alone; the session's other streams go on.
    if (!this.#stream.destroyed) this.#stream.close(constants.NGHTTP2_CANCEL)
  }

  onDrain(listener: () => void): void {
    if (this.#stream.writableNeedDrain) this.#stream.once('drain', listener)
    else setImmediate(listener)
  }

  onClose(listener: () => void): void {
    if (this.#stream.closed || this.#stream.destroyed) queueMicrotask(listener)
    else this.#stream.once('close', listener)
  }
}
