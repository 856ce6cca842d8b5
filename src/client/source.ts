/**
 * What the client's objects (`EventSource`, `events()`) get from the machinery under them, a
 * connection of their own or one shared among tabs: the same three calls either way.
 */
import type { SseError } from '../protocol/errors.js'
import type { ParsedEvent } from '../protocol/types.js'

/** Told what happens to a source, in order. */
export interface SourceListener {
  /**
   * The connection is open: a 200 `text/event-stream` answer arrived. May be called again while
   * open (a shared source's new holder); a listener ignores that.
   */
  open(): void
  /** An event was dispatched; `origin` is the origin of the answering URL (after redirects). */
  message(event: ParsedEvent, origin: string): void
  /**
   * The connection was lost or an attempt failed. `closed`: it failed for good (the spec's "fail
   * the connection"); otherwise it is being re-established.
   */
  error(error: SseError, closed: boolean): void
  /**
   * Asked after each chunk read: a promise to wait for before the next read (the listener holds
   * events it has not handed on), or undefined to read on. A connection of its own waits; a
   * shared one never does, as one tab must not stall the others.
   */
  ready?(): Promise<void> | undefined
}

/** A running source: close it to stop, after which its listener hears nothing more. */
export interface Source {
  close(): void
}
