/**
 * The messages between the primary process, which holds the hub's state, and its workers.
 *
 * Sent with `serialization: 'advanced'` (structured clone), so an event's encoded bytes cross
 * as bytes, not as JSON.
 */
import type { SseErrorCode } from '../errors.js'
import type { HubEvent, PublishedEvent, PublishInput } from '../hub/types.js'

/** A worker asks. */
export type WorkerRequest =
  | {
      readonly kind: 'publish'
      readonly requestId: number
      readonly inputs: readonly PublishInput[]
    }
  | { readonly kind: 'readAfter'; readonly requestId: number; readonly lastEventId: string }

/** What the primary answers a read with. */
export interface ReadReply {
  readonly found: boolean
  readonly events: readonly HubEvent[]
  /** The `seq` of the newest event when the read was made: the read covers up to it. */
  readonly lastSeq: number
}

/** The primary answers, or broadcasts an event. */
export type PrimaryMessage =
  | { readonly kind: 'events'; readonly events: readonly HubEvent[] }
  | {
      readonly kind: 'reply'
      readonly requestId: number
      readonly value?: readonly PublishedEvent[] | ReadReply
      readonly error?: { readonly code: SseErrorCode | undefined; readonly message: string }
    }

/** The primary asks a worker to stop: close its server gracefully and exit. */
export const STOP_MESSAGE = { kind: 'stop' } as const

/** Whether `message` is {@link STOP_MESSAGE}. */
export function isStopMessage(message: unknown): boolean {
  return isClusterMessage(message) && message.kind === 'stop'
}

/** Whether `message` is one of ours (a worker's process may receive others). */
export function isClusterMessage(message: unknown): message is { kind: string } {
  return typeof message === 'object' && message !== null && 'kind' in message
}
