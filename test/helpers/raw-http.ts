/**
 * A raw TCP client for tests that send what `fetch` will not (bytes beyond ASCII in a header, a
 * head or body cut short) and watch what the server answers and when it closes.
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { createCondition } from './condition.js'

/** An open connection and everything it has received, one latin1 character per byte. */
export interface RawConnection {
  readonly socket: Socket
  /** Bytes received so far, as latin1. */
  received(): string
  /** Resolves once the bytes received match `pattern`; rejects if the connection closes first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Resolves when the server has closed the connection (or it was reset). */
  readonly closed: Promise<void>
  send(bytes: string | Uint8Array): void
}

/** Connects to `port` on loopback, optionally from `localAddress` (say `127.0.0.2`). */
export async function rawConnect(
  port: number,
  options: { localAddress?: string } = {},
): Promise<RawConnection> {
  const socket = connect({ port, host: '127.0.0.1', ...options })
  await once(socket, 'connect')
  let received = ''
  let isClosed = false
  const condition = createCondition()
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    received += chunk
    condition.changed()
  })
  // A reset (the server destroying a socket with unread bytes) is a close too.
  socket.on('error', () => {})
  const closed = once(socket, 'close').then(() => {
    isClosed = true
    condition.changed()
  })
  return {
    socket,
    received: () => received,
    closed,
    send: (bytes) => void socket.write(bytes),
    async waitFor(pattern, timeoutMs = 5000) {
      await condition.until(
        () => pattern.test(received) || isClosed,
        () => `${String(pattern)}; received:\n${received}`,
        timeoutMs,
      )
      if (!pattern.test(received)) {
        throw new Error(`closed before ${String(pattern)}; received:\n${received}`)
      }
      return received
    },
  }
}

/** Resolves as `promise` does, or rejects once `timeoutMs` have passed. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
