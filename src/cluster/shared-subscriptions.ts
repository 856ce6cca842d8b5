/**
 * The Mercure subscriptions API across worker processes: the primary keeps every worker's
 * subscriptions, a worker's store reports to it and asks it for the list.
 */
import { SseError } from '../errors.js'
import type {
  ActiveSubscription,
  SubscriptionList,
  SubscriptionStore,
} from '../hub/active-subscriptions.js'
import type { Logger } from '../logger.js'
import type { IpcTransport } from './ipc-transport.js'

/**
 * In a worker: the subscriptions kept in the primary. Reports go with the turn's other requests,
 * in order, so a subscription is recorded before its start event is published.
 */
export function workerSubscriptionStore(
  transport: IpcTransport,
  logger: Logger,
): SubscriptionStore {
  const report = (message: Parameters<IpcTransport['ask']>[0]) => {
    transport.ask(message).catch((error: unknown) => {
      // The primary is gone: this worker is stopping, and its subscriptions with it.
      if (error instanceof SseError && error.code === 'ERR_SSE_TRANSPORT_UNAVAILABLE') return
      logger.warn('could not report a subscription to the primary', { error: String(error) })
    })
  }
  return {
    add: (subscriber, subscriptions) => report({ kind: 'subscribed', subscriber, subscriptions }),
    remove: (subscriber) => report({ kind: 'unsubscribed', subscriber }),
    list: () => transport.ask<SubscriptionList>({ kind: 'listSubscriptions' }),
  }
}

/** In the primary: every worker's active subscriptions, by worker. */
export class PrimarySubscriptions<Owner> {
  readonly #byOwner = new Map<Owner, Map<string, readonly ActiveSubscription[]>>()

  add(owner: Owner, subscriber: string, subscriptions: readonly ActiveSubscription[]): void {
    const mine = this.#byOwner.get(owner)
    if (mine === undefined) this.#byOwner.set(owner, new Map([[subscriber, subscriptions]]))
    else mine.set(subscriber, subscriptions)
  }

  remove(owner: Owner, subscriber: string): void {
    this.#byOwner.get(owner)?.delete(subscriber)
  }

  /** Every worker's subscriptions, in the order they started on each. */
  list(): ActiveSubscription[] {
    return [...this.#byOwner.values()].flatMap((mine) => [...mine.values()].flat())
  }

  /**
   * Takes out the subscriptions of `owner`, a worker whose channel has closed (it exited):
   * nobody else will say that they ended.
   */
  takeAll(owner: Owner): ActiveSubscription[] {
    const mine = this.#byOwner.get(owner)
    this.#byOwner.delete(owner)
    return mine === undefined ? [] : [...mine.values()].flat()
  }
}
