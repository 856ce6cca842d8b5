/**
 * The messages between the primary process, which holds the hub's state, and its workers.
 *
 * Sent as JSON (Node's default IPC serialization), so an event crosses with its encoded bytes
 * as text: see {@link WireEvent}.
 */
import type { SseErrorCode } from '../errors.js'
import type { ActiveSubscription, SubscriptionList } from '../hub/active-subscriptions.js'
import type { HubEvent, PublishedEvent, PublishInput } from '../hub/types.js'

/**
 * A {@link HubEvent} as it crosses: its wire bytes as the text they encode.
 *
 * Why not `serialization: 'advanced'`, which carries bytes as bytes: a structured clone cost
 * 21 µs of the receiver's CPU and 32 µs of the sender's per small message, JSON 5.5 and 9
 * (20,000 messages each way, Node 20); a hub sends one per turn to every worker, and one per
 * publish back to the worker that asked. The encoder makes valid UTF-8 (lone surrogates become
 * U+FFFD), so the text gives the same bytes back.
 */
export type WireEvent = Omit<HubEvent, 'bytes'> & { readonly text: string }

/** `event` ready to cross. */
export function toWire(event: HubEvent): WireEvent {
  const { bytes, ...fields } = event
  return {
    ...fields,
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(),
  }
}

/** The event that crossed as `wire`. */
export function fromWire(wire: WireEvent): HubEvent {
  const { text, ...fields } = wire
  // JSON leaves out a field that is `undefined`.
  return { ...fields, type: fields.type, bytes: Buffer.from(text) }
}

/** A worker asks. */
export type WorkerRequest =
  | {
      readonly kind: 'publish'
      readonly requestId: number
      readonly inputs: readonly PublishInput[]
    }
  | { readonly kind: 'readAfter'; readonly requestId: number; readonly lastEventId: string }
  // The Mercure subscriptions API's state, kept in the primary for every worker.
  | {
      readonly kind: 'subscribed'
      readonly requestId: number
      readonly subscriber: string
      readonly subscriptions: readonly ActiveSubscription[]
    }
  | { readonly kind: 'unsubscribed'; readonly requestId: number; readonly subscriber: string }
  | { readonly kind: 'listSubscriptions'; readonly requestId: number }

/** What a worker sends the primary once per turn: that turn's requests, in order. */
export interface RequestsMessage {
  readonly kind: 'requests'
  readonly requests: readonly WorkerRequest[]
}

/** What the primary answers a read with. */
export interface ReadReply {
  readonly found: boolean
  readonly events: readonly WireEvent[]
  /** The `seq` of the newest event when the read was made: the read covers up to it. */
  readonly lastSeq: number
}

/** The primary's answer to one request. */
export interface Reply {
  readonly requestId: number
  readonly value?: readonly PublishedEvent[] | ReadReply | SubscriptionList
  readonly error?: { readonly code: SseErrorCode | undefined; readonly message: string }
}

/**
 * What the primary sends a worker once per turn: the events stored in it (to every worker), and
 * its answers to that worker's requests.
 */
export interface TurnMessage {
  readonly kind: 'turn'
  readonly events: readonly WireEvent[]
  readonly replies: readonly Reply[]
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
