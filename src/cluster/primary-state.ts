/**
 * In the primary process: the hub's one state (a transport), serving every worker over IPC.
 */
import type { Worker } from 'node:cluster'
import { SseError } from '../errors.js'
import type { ActiveSubscription, SubscriptionAnnouncer } from '../hub/active-subscriptions.js'
import type { Transport } from '../hub/transport.js'
import type { Logger } from '../logger.js'
import {
  isClusterMessage,
  type Reply,
  type RequestsMessage,
  type TurnMessage,
  toWire,
  type WireEvent,
  type WorkerRequest,
} from './messages.js'
import { oncePerTurn } from './once-per-turn.js'
import { PrimarySubscriptions } from './shared-subscriptions.js'

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
export function servePrimaryState(
  transport: Transport,
  logger: Logger,
  announce: SubscriptionAnnouncer = () => [],
): PrimaryState {
  const workers = new Set<Worker>()
  let lastSeq = 0
  let lastEventId: string | undefined
  const subscriptions = new PrimarySubscriptions<Worker>()

  // A turn's events and answers cross to each worker as one message: a message costs a system
  // call, its serialization, and often a wake-up, each way; in a burst most of the cost is that,
  // not the bytes. A publish's answer rides with its events instead of going first on its own.
  // A read answered before a batch goes out still covers it (`lastSeq`): the worker's hub skips
  // live events a read has covered.
  let events: WireEvent[] = []
  const replies = new Map<Worker, Reply[]>()
  const flush = () => {
    const turnEvents = events
    events = []
    for (const worker of workers) {
      const answers = replies.get(worker) ?? []
      if (turnEvents.length === 0 && answers.length === 0) continue
      const message: TurnMessage = { kind: 'turn', events: turnEvents, replies: answers }
      if (worker.isConnected()) worker.send(message)
    }
    replies.clear()
  }
  const schedule = oncePerTurn(flush)
  transport.tail((event) => {
    lastSeq = event.seq
    lastEventId = event.id
    events.push(toWire(event))
    schedule()
  })
  const reply = (worker: Worker, answer: Reply) => {
    const answers = replies.get(worker)
    if (answers === undefined) replies.set(worker, [answer])
    else answers.push(answer)
    schedule()
  }

  // A worker that died said nothing of its subscriptions' end: the primary does.
  const announceEnded = (ended: readonly ActiveSubscription[]) => {
    const updates = announce(ended, false)
    if (updates.length === 0) return
    transport.publish(updates).catch((error: unknown) => {
      logger.warn('could not publish the end of subscriptions', { error: String(error) })
    })
  }

  const answer = async (worker: Worker, request: WorkerRequest): Promise<void> => {
    try {
      if (request.kind === 'publish') {
        const value = await transport.publish(request.inputs)
        reply(worker, { requestId: request.requestId, value })
      } else if (request.kind === 'readAfter') {
        // Taken before awaiting: requests answered before the read settles (the next in this
        // message, often a publish) store more, and a reply covering those would make the
        // worker skip them live though the read does not hold them. A transport that reads
        // later than asked holds newer events: the read then covers up to its newest.
        const storedBefore = lastSeq
        const read = await transport.readAfter(request.lastEventId)
        const covered = Math.max(storedBefore, read.events.at(-1)?.seq ?? 0)
        const value = { found: read.found, events: read.events.map(toWire), lastSeq: covered }
        reply(worker, { requestId: request.requestId, value })
      } else if (request.kind === 'subscribed') {
        subscriptions.add(worker, request.subscriber, request.subscriptions)
        reply(worker, { requestId: request.requestId })
      } else if (request.kind === 'unsubscribed') {
        subscriptions.remove(worker, request.subscriber)
        reply(worker, { requestId: request.requestId })
      } else {
        const value = { subscriptions: subscriptions.list(), lastEventId }
        reply(worker, { requestId: request.requestId, value })
      }
    } catch (error) {
      const code = error instanceof SseError ? error.code : undefined
      if (code === undefined) logger.error('a worker request failed', { error: String(error) })
      const message = code === undefined ? 'internal error' : (error as Error).message
      reply(worker, { requestId: request.requestId, error: { code, message } })
    }
  }

  return {
    attach(worker) {
      workers.add(worker)
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message) || message.kind !== 'requests') return
        for (const request of (message as RequestsMessage).requests) void answer(worker, request)
      })
      worker.once('exit', () => workers.delete(worker))
      // Not on `exit`: the worker's last messages (a subscription it reported) may still be on
      // their way then; the channel closes after them.
      worker.once('disconnect', () => announceEnded(subscriptions.takeAll(worker)))
    },
    close() {
      workers.clear()
      replies.clear()
      transport.close()
    },
  }
}
