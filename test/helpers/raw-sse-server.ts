/**
 * A server on a raw socket (node:net) for client tests: it answers each request with exactly
 * the bytes a test writes, in the writes the test makes, so framing can be split anywhere; and
 * a `fetch` that records the chunks a client receives, so a test writes its next piece only
 * once the client has read the previous one as a chunk of its own.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { FetchLike } from '../../src/client/options.js'
import { type Condition, createCondition } from './condition.js'

/** One request the server accepted, and the socket to answer it on. */
export interface RawExchange {
  /** The path and query of the request line. */
  readonly target: string
  readonly method: string
  /** Request header values by lower-case name, as latin1 (one character per byte). */
  readonly headers: ReadonlyMap<string, string>
  readonly socket: Socket
  /** Writes bytes (a string is written as UTF-8) and waits until they are handed to the kernel. */
  write(bytes: string | Uint8Array): Promise<void>
  /** Writes a status line and headers (no body length: the body lasts until `end()`). */
  head(status: number, headers?: Record<string, string>): Promise<void>
  /** Ends the response by closing the connection. */
  end(): void
}

/** A raw server on 127.0.0.1 and a free port. */
export interface RawSseServer {
  readonly url: string
  /** Every request accepted so far, in order. */
  readonly exchanges: readonly RawExchange[]
  /** Resolves with request number `index` (from 0) once it has arrived. */
  request(index: number, timeoutMs?: number): Promise<RawExchange>
  close(): Promise<void>
}

/** The head of a 200 event-stream answer. */
export const EVENT_STREAM = { 'content-type': 'text/event-stream' }

function parseHead(head: string, socket: Socket): RawExchange {
  const [requestLine = '', ...lines] = head.split('\r\n')
  const [method = '', target = ''] = requestLine.split(' ')
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim())
  }
  const write = (bytes: string | Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    )
  return {
    method,
    target,
    headers,
    socket,
    write,
    head: (status, extra = {}) => {
      const fields = Object.entries({ connection: 'close', ...extra })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')
      return write(`HTTP/1.1 ${status} X\r\n${fields}\r\n`)
    },
    end: () => socket.end(),
  }
}

/** Starts a raw server; each request waits for the test to answer it. */
export async function startRawSseServer(): Promise<RawSseServer> {
  const exchanges: RawExchange[] = []
  const sockets = new Set<Socket>()
  const arrived = createCondition()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let head = ''
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.off('data', onData)
      exchanges.push(parseHead(head.slice(0, end), socket))
      arrived.changed()
    }
    socket.on('data', onData)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    exchanges,
    async request(index, timeoutMs = 5000) {
      await arrived.until(
        () => exchanges.length > index,
        () => `request ${index} (have ${exchanges.length})`,
        timeoutMs,
      )
      return exchanges[index] as RawExchange
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A `fetch` whose answers' bodies count the chunks the client reads. */
export interface ObservedFetch {
  readonly fetch: FetchLike
  /** Chunks received so far over every answer. */
  chunks(): number
  /** Resolves once `count` chunks have been received. */
  untilChunks(count: number, timeoutMs?: number): Promise<void>
}

/** Wraps the global fetch so that a test can tell when the client has received a chunk. */
export function observedFetch(): ObservedFetch {
  let chunks = 0
  const condition: Condition = createCondition()
  return {
    chunks: () => chunks,
    untilChunks: (count, timeoutMs = 5000) =>
      condition.until(
        () => chunks >= count,
        () => `${count} chunks (have ${chunks})`,
        timeoutMs,
      ),
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      if (response.status !== 200 || response.body === null) return response
      const counted = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            controller.enqueue(chunk)
            chunks++
            condition.changed()
          },
        }),
      )
      return new Response(counted, { status: 200, headers: response.headers })
    },
  }
}
