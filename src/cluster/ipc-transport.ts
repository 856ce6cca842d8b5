/**
 * In a worker process: a transport whose state lives in the primary, reached over IPC.
 */
import { SseError } from '../errors.js'
import type { Transport, TransportRead } from '../hub/transport.js'
import type { HubEvent, PublishedEvent } from '../hub/types.js'
import {
  fromWire,
  isClusterMessage,
  type ReadReply,
  type Reply,
  type RequestsMessage,
  type TurnMessage,
  type WorkerRequest,
} from './messages.js'
import { oncePerTurn } from './once-per-turn.js'

/** The IPC end a worker talks through: its own `process`. */
export interface IpcChannel {
  send?: ((message: unknown) => boolean) | undefined
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'disconnect', listener: () => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

/** The worker's end of the shared state: the hub's transport, and requests of other kinds. */
export interface IpcTransport extends Transport {
  /** Sends `message` to the primary with this turn's other requests; resolves with its reply. */
  ask<T>(message: DistributiveOmit<WorkerRequest, 'requestId'>): Promise<T>
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

type Waiter = { resolve(value: unknown): void; reject(error: unknown): void }

/**
 * Creates the worker side of the shared state. Publishes and reads go to the primary; every
 * event stored there comes back to the tail listener, in the primary's order.
 */
export function createIpcTransport(channel: IpcChannel = process as IpcChannel): IpcTransport {
  let listener: (event: HubEvent) => void = () => {}
  const waiting = new Map<number, Waiter>()
  let nextRequestId = 1
  let gone = false

  const unavailable = () =>
    new SseError('ERR_SSE_TRANSPORT_UNAVAILABLE', 'the primary process holding the hub is gone')

  const onMessage = (raw: unknown) => {
    if (!isClusterMessage(raw) || raw.kind !== 'turn') return
    const message = raw as TurnMessage
    for (const event of message.events) listener(fromWire(event))
    for (const reply of message.replies) settle(reply)
  }
  const settle = (reply: Reply) => {
    const waiter = waiting.get(reply.requestId)
    if (waiter === undefined) return
    waiting.delete(reply.requestId)
    if (reply.error === undefined) waiter.resolve(reply.value)
    else if (reply.error.code === undefined) waiter.reject(new Error(reply.error.message))
    else waiter.reject(new SseError(reply.error.code, reply.error.message))
  }
  channel.on('message', onMessage)
  channel.on('disconnect', () => {
    gone = true
    for (const waiter of waiting.values()) waiter.reject(unavailable())
    waiting.clear()
  })

  // A turn's requests cross as one message, as the primary's answers do (see `TurnMessage`).
  let outgoing: WorkerRequest[] = []
  const sendTurn = () => {
    const requests = outgoing
    outgoing = []
    // Their waiters were rejected on disconnect.
    if (!gone) channel.send?.({ kind: 'requests', requests } satisfies RequestsMessage)
  }
  const scheduleSend = oncePerTurn(sendTurn)
  const request = <T>(message: DistributiveOmit<WorkerRequest, 'requestId'>): Promise<T> => {
    if (gone || channel.send === undefined) return Promise.reject(unavailable())
    const requestId = nextRequestId++
    return new Promise<T>((resolve, reject) => {
      waiting.set(requestId, { resolve: resolve as (value: unknown) => void, reject })
      outgoing.push({ ...message, requestId } as WorkerRequest)
      scheduleSend()
    })
  }

  return {
    ask: request,
    publish: (inputs) => request<PublishedEvent[]>({ kind: 'publish', inputs }),
    async readAfter(lastEventId): Promise<TransportRead> {
      const reply = await request<ReadReply>({ kind: 'readAfter', lastEventId })
      return {
        found: reply.found,
        events: reply.events.map(fromWire),
        covers: (event) => event.seq <= reply.lastSeq,
      }
    },
    tail(next) {
      listener = next
    },
    // The history lives in the primary.
    historyStats: () => ({ events: 0, bytes: 0 }),
    reachable: () => !gone,
    close() {
      // Requests after this would wait for replies no one listens for: refused instead.
      gone = true
      channel.off('message', onMessage)
      for (const waiter of waiting.values()) waiter.reject(unavailable())
      waiting.clear()
    },
  }
}
