/**
 * An event stream for one subscriber: subscribe first, then open the stream on the response.
 */
import type { Hub } from '../hub/hub.js'
import type { Logger } from '../logger.js'
import { encodeEvent } from '../protocol/encode.js'
import type { DeliveryCounters } from './delivery-counters.js'
import type { Heartbeat } from './heartbeat.js'
import type { Sink } from './sink.js'
import { SseStream } from './sse-stream.js'
import { StreamSubscriber, type SubscriberSpec } from './stream-subscriber.js'
import type { StreamSubscriptions } from './subscriptions.js'

/** What opening a subscriber's stream needs from the app. */
export interface StreamContext {
  readonly hub: Hub
  /** How streams subscribe to the hub; its flush scheduler is the streams'. */
  readonly subscriptions: StreamSubscriptions
  readonly heartbeat: Heartbeat | null
  readonly openStreams: Set<SseStream>
  /** The `retry:` hint a stream opens with, before its jitter; `null`: none. */
  readonly retryMs: number | null
  /** Up to how much is added at random to each stream's `retry:`, so reconnects spread out. */
  readonly retrySpreadMs: number
  readonly maxBufferedBytes: number | null
  readonly logger: Logger
  /** Where deliveries and replays are counted. */
  readonly counters: DeliveryCounters
  /** Counts streams closed for exceeding the unsent-bytes cap. */
  onOverflow(): void
  /** Counts streams cut because their client stopped reading. */
  onStall(): void
}

/** A subscription made before the response is sent; its events wait for the stream. */
export interface PendingStream {
  /** Whether the `lastEventId` asked for was not in the history (all kept events came instead). */
  readonly historyGap: boolean
  /**
   * Opens the stream on `sink`: the `retry:` hint, `preface`, the events delivered so far, then
   * live events. Closing the stream ends the subscription.
   */
  start(sink: Sink, preface?: Uint8Array): SseStream
}

/**
 * Subscribes `spec` to the hub, replaying after `lastEventId`.
 *
 * Subscribing before the response starts lets the response headers say what the subscription
 * found (Mercure's `Last-Event-ID` response header), with no event lost in between.
 *
 * @throws {SseError} as {@link Hub.subscribe}, before anything is sent.
 */
export async function subscribeStream(
  context: StreamContext,
  spec: SubscriberSpec,
  lastEventId: string | undefined,
): Promise<PendingStream> {
  const subscriber = new StreamSubscriber(spec, context.counters)
  const subscription = await context.subscriptions.subscribe(subscriber, lastEventId)
  if (lastEventId !== undefined) {
    context.counters.replays++
    if (subscriber.historyGap) context.counters.replayGaps++
  }
  return {
    historyGap: subscriber.historyGap,
    start(sink, preface) {
      const opened = new SseStream(sink, {
        maxBufferedBytes: context.maxBufferedBytes,
        scheduler: context.subscriptions.scheduler,
      })
      context.openStreams.add(opened)
      opened.onClose((reason) => {
        context.openStreams.delete(opened)
        subscription.unsubscribe()
        if (reason === 'overflow') context.onOverflow()
        else if (reason === 'stalled') context.onStall()
      })
      const first: Uint8Array[] = []
      if (context.retryMs !== null) {
        first.push(encodeEvent({ retry: jittered(context.retryMs, context.retrySpreadMs) }))
      }
      if (preface !== undefined) first.push(preface)
      first.push(...(subscriber.pending ?? []))
      subscriber.pending = undefined
      subscriber.stream = opened
      // A replay goes out a page at a time as the client takes it, never as one buffer.
      opened.sendBacklog(first)
      context.heartbeat?.add(opened)
      return opened
    },
  }
}

/**
 * `baseMs` plus up to `spreadMs` at random: the `retry:` of each stream differs, so the clients
 * of a server that restarts come back spread over the spread, not in the same second.
 */
export function jittered(baseMs: number, spreadMs: number): number {
  return baseMs + Math.floor(Math.random() * (spreadMs + 1))
}
