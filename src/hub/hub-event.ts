/**
 * Builds a {@link HubEvent}: the one place an event's wire bytes are encoded.
 */
import { encodeEvent } from '../protocol/encode.js'
import type { SseEvent } from '../protocol/types.js'
import type { HubEvent, PublishInput } from './types.js'

/** The stored fields of an event, its id assigned. */
export interface StoredEvent {
  readonly id: string
  readonly topics: readonly string[]
  readonly type: string | undefined
  readonly data: string
  readonly retry: number | undefined
  readonly private: boolean
  readonly key?: string | undefined
}

/** What a transport stores of a published `input`, given the id it goes by. */
export function storedEventOf(input: PublishInput, id: string): StoredEvent {
  return {
    id,
    topics: [...input.topics],
    type: input.event,
    data: input.data ?? '',
    retry: input.retry,
    private: input.private === true,
    key: input.key,
  }
}

/**
 * Encodes `event` once, with its id, into the {@link HubEvent} every subscriber shares.
 *
 * @throws {SseError} an encoder code (`ERR_SSE_INVALID_EVENT`, …) for a bad field.
 */
export function buildHubEvent(event: StoredEvent, seq: number): HubEvent {
  const bytes = encodeEvent({
    id: event.id,
    event: event.type,
    data: event.data,
    retry: event.retry,
  } as SseEvent)
  return {
    id: event.id,
    topics: event.topics,
    type: event.type,
    data: event.data,
    private: event.private,
    seq,
    bytes,
    key: event.key,
  }
}

/**
 * Encodes an event that is never stored (`PublishOptions.ephemeral`): no `id:` line, so a
 * client's last event id stays on the last stored event it received.
 *
 * @throws {SseError} an encoder code for a bad field.
 */
export function buildEphemeralEvent(input: PublishInput): HubEvent {
  const data = input.data ?? ''
  const bytes = encodeEvent({ event: input.event, data, retry: input.retry } as SseEvent)
  return {
    id: '',
    topics: [...input.topics],
    type: input.event,
    data,
    private: input.private === true,
    key: input.key,
    seq: 0,
    bytes,
    ephemeral: true,
  }
}
