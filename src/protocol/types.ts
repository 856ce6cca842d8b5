/**
 * The public contract of the protocol core: what an event is, what the parser reports.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
import type { ProtocolErrorCode, SseError } from './errors.js'

/** One event as written by a server. Every field is optional on the wire; see the encoder. */
export interface SseEvent {
  /** The payload. Line breaks (CRLF, CR, LF) become several `data:` lines. Omitted: no `data:`
   * line, so a client dispatches nothing (useful for a lone `retry:` or `id:`). */
  data?: string
  /** The event type (`event:`); a client dispatches it to listeners of that name. No CR or LF. */
  event?: string
  /** The event id (`id:`), sent back by clients as `Last-Event-ID`. No CR, LF or NUL. */
  id?: string
  /** Reconnection time in milliseconds (`retry:`): a non-negative integer. */
  retry?: number
  /** A comment line (`: …`), ignored by clients; used for heartbeats. */
  comment?: string
}

/** One event as dispatched by the parser, as `EventSource` would dispatch it. */
export interface ParsedEvent {
  /** The event type: the `event:` field, or `'message'` when there was none. */
  event: string
  /** The data buffer, lines joined with LF. */
  data: string
  /**
   * The last event id in force when this event was dispatched: set by the latest `id:` field of
   * this or an earlier event, kept across events, as the spec's "last event ID string".
   */
  lastEventId: string
  /** Whether this event itself carried an `id:` field. */
  hasId: boolean
}

/** What the parser calls back with. Only `onEvent` is required. */
export interface ParserCallbacks {
  /** A complete event was dispatched. */
  onEvent: (event: ParsedEvent) => void
  /** A valid `retry:` field was seen (all ASCII digits), in milliseconds. */
  onRetry?: (ms: number) => void
  /** A comment line was seen; the text after the colon, with one leading space removed. */
  onComment?: (comment: string) => void
  /**
   * Input the spec says to ignore was seen (an unknown field, a `retry:` that is not all digits).
   * Reported for diagnostics only: parsing goes on. Codes `ERR_SSE_PARSE_*`.
   */
  onError?: (error: SseError<ProtocolErrorCode>) => void
}

/** How much the parser holds at most. `undefined` is the default, `null` turns a limit off. */
export interface ParserOptions {
  /**
   * The most characters (UTF-16 code units) an event may hold while it is built: its `data` so
   * far and the line being read, field name included. A line that does not fit is skipped as it
   * arrives (nothing of it is kept), the event's data is dropped and no event is dispatched for
   * it; its other lines still count (an `id:` of it is in force once it ends, as for an event
   * without data). `onError` is told once per such event (`ERR_SSE_PARSE_EVENT_TOO_LARGE`).
   * Without a limit, a stream that never ends a line or an event (a broken or hostile server)
   * grows the parser's memory without bound. @defaultValue null (no limit)
   */
  maxEventLength?: number | null | undefined
}

/** A streaming parser: feed it chunks as they arrive, in any sizes. */
export interface Parser {
  /**
   * Feeds the next chunk. Strings are taken as already decoded text; byte chunks are decoded as
   * UTF-8 with a streaming decoder, so a chunk may end inside a multi-byte character.
   */
  feed(chunk: string | Uint8Array): void
  /**
   * Forgets the line and event being built (as on a reconnect): an unterminated final event is
   * discarded, never dispatched, and an `id:` it held is forgotten (the spec sets the last event
   * id string only when an event is dispatched). The last event id of the dispatched events is
   * kept, as the spec keeps it across reconnections; pass `{ lastEventId: '' }` to reset it too.
   */
  reset(options?: { lastEventId?: string }): void
  /** The last event id string in force now. */
  readonly lastEventId: string
}
