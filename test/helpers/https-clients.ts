/**
 * Two HTTPS clients with one shape, to run the same wire checks over HTTP/2 (`node:http2`) and
 * over HTTP/1.1 chosen by ALPN (`node:https`).
 */

import { type ClientHttp2Session, connect, constants } from 'node:http2'
import { Agent, request as httpsRequest } from 'node:https'
import { createCondition } from './condition.js'

/** A response being read as text. */
export interface TextResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  /** The protocol ALPN settled on: `h2` or `http/1.1`. */
  readonly protocol: string
  text(): string
  /** Resolves once the text so far matches `pattern` (or rejects after `timeoutMs`). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>
  /** Resolves when the body ends. */
  readonly ended: Promise<void>
  close(): void
}

/** A client of one origin over one protocol. */
export interface HttpsClient {
  readonly name: 'h2' | 'http/1.1'
  request(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<TextResponse>
  close(): void
}

/** An HTTP/2 client: one session, every request a stream on it. */
export function http2Client(origin: string, ca: Buffer): HttpsClient {
  let session: ClientHttp2Session | undefined
  const open = () => {
    if (session === undefined || session.closed || session.destroyed) {
      session = connect(origin, { ca })
      session.on('error', () => {})
    }
    return session
  }
  return {
    name: 'h2',
    request(method, path, headers = {}, body) {
      const current = open()
      const stream = current.request({ ':method': method, ':path': path, ...headers })
      stream.on('error', () => {})
      if (body !== undefined) stream.end(body)
      else stream.end()
      return new Promise((resolve, reject) => {
        stream.once('error', reject)
        stream.once('response', (head) => {
          const { ':status': status, ...rest } = head
          resolve(
            reading(stream, {
              status: Number(status),
              headers: rest,
              protocol: current.alpnProtocol ?? '',
              close: () => stream.close(constants.NGHTTP2_CANCEL),
            }),
          )
        })
      })
    },
    close: () => session?.destroy(),
  }
}

/** An HTTPS client that offers only HTTP/1.1 by ALPN, as a client without HTTP/2 does. */
export function http1Client(origin: string, ca: Buffer): HttpsClient {
  const agent = new Agent({ ca, keepAlive: true, ALPNProtocols: ['http/1.1'] })
  return {
    name: 'http/1.1',
    request(method, path, headers = {}, body) {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(new URL(path, origin), { method, headers, agent }, (res) => {
          const socket = res.socket as { alpnProtocol?: string | false }
          resolve(
            reading(res, {
              status: res.statusCode ?? 0,
              headers: res.headers,
              protocol: socket.alpnProtocol || '',
              close: () => req.destroy(),
            }),
          )
        })
        req.once('error', reject)
        req.end(body)
      })
    },
    close: () => agent.destroy(),
  }
}

function reading(
  body: NodeJS.ReadableStream,
  head: Pick<TextResponse, 'status' | 'headers' | 'protocol' | 'close'>,
): TextResponse {
  let received = ''
  const condition = createCondition()
  body.setEncoding('utf8')
  body.on('data', (chunk: string) => {
    received += chunk
    condition.changed()
  })
  const ended = new Promise<void>((resolve) => {
    body.once('end', resolve)
    body.once('close', resolve)
  })
  return {
    ...head,
    text: () => received,
    ended,
    async waitFor(pattern, timeoutMs = 5000) {
      const matches = () =>
        typeof pattern === 'string' ? received.includes(pattern) : pattern.test(received)
      await condition.until(matches, () => `${String(pattern)}; received:\n${received}`, timeoutMs)
      return received
    },
  }
}
