/**
 * In the primary process: the hub's one state (a transport), serving every worker over IPC.
 */
import type { Worker } from 'node:cluster'
import { SseError } from '../errors.js'
import type { Transport } from '../hub/transport.js'
import type { HubEvent } from '../hub/types.js'
import type { Logger } from '../logger.js'
import { isClusterMessage, type PrimaryMessage, type WorkerRequest } from './messages.js'

/** The shared state's handle in the primary. */
export interface PrimaryState {
  /** Serves `worker`'s requests and sends it every event from now on. */
  attach(worker: Worker): void
  close(): void
}

/**
 * Serves `transport` to workers: publishes and reads on request, and every stored event to every
 * attached worker, in the transport's order (one IPC channel per worker keeps it). A read's reply
 * says the newest `seq` it covers, so the worker's hub can skip what it replayed when the same
 * events then arrive live.
 */
export function servePrimaryState(transport: Transport, logger: Logger): PrimaryState {
  const workers = new Set<Worker>()
  let lastSeq = 0
  const send = (worker: Worker, message: PrimaryMessage) => {
    if (worker.isConnected()) worker.send(message)
  }

  // The events of one turn cross to each worker as one message: a message costs a system call
  // and a structured clone each way, and in a burst most of the cost is that, not the bytes. A
  // read answered before a batch goes out still covers it (`lastSeq`): the worker's hub skips
  // live events a read has covered.
  let batch: HubEvent[] = []
  const flush = () => {
    const message: PrimaryMessage = { kind: 'events', events: batch }
    batch = []
    for (const worker of workers) send(worker, message)
  }
  transport.tail((event) => {
    lastSeq = event.seq
    if (batch.length === 0) setImmediate(flush)
    // The encoder's bytes may be a view into a shared pool; a structured clone would copy the
    // whole pool slab, so each event crosses with a buffer of its own.
    batch.push({ ...event, bytes: new Uint8Array(event.bytes) })
  })

  const answer = async (worker: Worker, request: WorkerRequest): Promise<void> => {
    try {
      if (request.kind === 'publish') {
        const value = await transport.publish(request.inputs)
        send(worker, { kind: 'reply', requestId: request.requestId, value })
      } else {
        const read = await transport.readAfter(request.lastEventId)
        const value = { found: read.found, events: read.events, lastSeq }
        send(worker, { kind: 'reply', requestId: request.requestId, value })
      }
    } catch (error) {
      const code = error instanceof SseError ? error.code : undefined
      if (code === undefined) logger.error('a worker request failed', { error: String(error) })
      const message = code === undefined ? 'internal error' : (error as Error).message
      send(worker, { kind: 'reply', requestId: request.requestId, error: { code, message } })
    }
  }

  return {
    attach(worker) {
      workers.add(worker)
      worker.on('message', (message: unknown) => {
        if (isClusterMessage(message)) void answer(worker, message as WorkerRequest)
      })
      worker.once('exit', () => workers.delete(worker))
    },
    close() {
      workers.clear()
      transport.close()
    },
  }
}
