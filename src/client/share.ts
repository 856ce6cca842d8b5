/**
 * One connection per browser, not per tab: the sources of one origin with the same share key
 * (URL and init) elect a holder with a Web Lock; the holder keeps the connection and relays what
 * happens over a BroadcastChannel; the others wait on the lock, and the first of them takes over
 * when the holder closes (or its tab does), resuming after the last event id it saw.
 *
 * Why: over HTTP/1.1 a browser opens at most six connections per host, so a seventh tab's
 * stream, and every other request of the page to that host, would wait.
 *
 * Nothing lost, nothing doubled: a new holder sends `Last-Event-ID`, so the hub replays what it
 * missed; an event relayed by the old holder and replayed to the new one is recognised by its
 * id (the last {@link RECENT_IDS} ids are remembered) and dispatched once. Events without an id
 * cannot be resumed; a hub gives every event one.
 */
import { SseError } from '../protocol/errors.js'
import type { ParsedEvent } from '../protocol/types.js'
import { openConnection } from './connection.js'
import type { ResolvedInit } from './options.js'
import { shareKey } from './share-key.js'
import type { Source, SourceListener } from './source.js'

/** How many recent event ids a source remembers to drop an event relayed twice. */
export const RECENT_IDS = 1024

/** What tabs tell each other on the channel. */
type ShareMessage =
  /** A new source asks the holder whether the connection is open. */
  | { t: 'hello' }
  /** The holder's connection is open; `id` is the last event id in force. */
  | { t: 'open'; id: string }
  /** An event, as the holder's parser dispatched it. */
  | { t: 'event'; event: ParsedEvent; origin: string }
  /** The holder's connection was lost (`closed: false`) or failed for good. */
  | { t: 'error'; closed: boolean; message: string }

const isString = (value: unknown): value is string => typeof value === 'string'

// The channel is the origin's; still, a message is checked before it is trusted.
function asShareMessage(value: unknown): ShareMessage | null {
  if (typeof value !== 'object' || value === null) return null
  const message = value as Record<string, unknown>
  switch (message.t) {
    case 'hello':
      return { t: 'hello' }
    case 'open':
      return isString(message.id) ? { t: 'open', id: message.id } : null
    case 'error':
      return typeof message.closed === 'boolean' && isString(message.message)
        ? { t: 'error', closed: message.closed, message: message.message }
        : null
    case 'event': {
      const event = message.event as Record<string, unknown> | null
      if (typeof event !== 'object' || event === null || !isString(message.origin)) return null
      if (!isString(event.event) || !isString(event.data) || !isString(event.lastEventId)) {
        return null
      }
      return {
        t: 'event',
        origin: message.origin,
        event: {
          event: event.event,
          data: event.data,
          lastEventId: event.lastEventId,
          hasId: event.hasId === true,
        },
      }
    }
    default:
      return null
  }
}

/** The ids last seen, oldest dropped first. */
class RecentIds {
  readonly #ids = new Set<string>()
  /** Adds `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false
    this.#ids.add(id)
    if (this.#ids.size > RECENT_IDS) {
      const oldest = this.#ids.values().next().value
      if (oldest !== undefined) this.#ids.delete(oldest)
    }
    return true
  }
}

/** Whether this runtime can share: a browser with Web Locks and BroadcastChannel. */
export function canShare(): boolean {
  const scope = globalThis as {
    navigator?: { locks?: unknown }
    process?: { versions?: { node?: unknown } }
  }
  // Node has both from version 24 on; its "tabs" are threads of one process, where sharing
  // would only surprise.
  return (
    typeof scope.navigator?.locks === 'object' &&
    typeof BroadcastChannel === 'function' &&
    scope.process?.versions?.node === undefined
  )
}

/**
 * Opens `url` as a shared source: the same calls of `listener` as a connection of its own would
 * make, from whichever tab holds the connection.
 */
export function openSharedSource(url: URL, init: ResolvedInit, listener: SourceListener): Source {
  const locks = (globalThis.navigator as Navigator).locks
  const lockRequest = new AbortController()
  const recent = new RecentIds()
  let closed = false
  let channel: BroadcastChannel | null = null
  let connection: Source | null = null
  let connectionOpen = false
  let releaseLock = () => {}
  let resumeId = init.lastEventId

  const post = (message: ShareMessage) => channel?.postMessage(message)

  const deliver = (event: ParsedEvent, origin: string) => {
    if (event.hasId && event.lastEventId !== '' && !recent.add(event.lastEventId)) return
    resumeId = event.lastEventId
    listener.message(event, origin)
  }

  const close = () => {
    closed = true
    connection?.close()
    connection = null
    releaseLock()
    lockRequest.abort()
    channel?.close()
    channel = null
  }

  const holderListener: SourceListener = {
    open() {
      connectionOpen = true
      post({ t: 'open', id: resumeId })
      listener.open()
    },
    message(event, origin) {
      post({ t: 'event', event, origin })
      deliver(event, origin)
    },
    error(error, closedForGood) {
      connectionOpen = false
      post({ t: 'error', closed: closedForGood, message: error.message })
      listener.error(error, closedForGood)
      if (closedForGood) close()
    },
  }

  const onChannelMessage = (data: unknown) => {
    const message = asShareMessage(data)
    if (message === null || closed) return
    if (connection !== null) {
      if (message.t === 'hello' && connectionOpen) post({ t: 'open', id: resumeId })
      return
    }
    switch (message.t) {
      case 'open':
        if (message.id !== '') resumeId = message.id
        listener.open()
        return
      case 'event':
        // An event relayed before the answer to this tab's hello: the holder is open.
        listener.open()
        deliver(message.event, message.origin)
        return
      case 'error':
        listener.error(new SseError('ERR_SSE_CONNECT_FAILED', message.message), message.closed)
        if (message.closed) close()
        return
    }
  }

  const hold = (): Promise<void> | undefined => {
    if (closed) return undefined
    return new Promise<void>((resolve) => {
      releaseLock = resolve
      connection = openConnection(url, init, holderListener, resumeId)
    })
  }

  // Where sharing is refused (an opaque origin: a sandboxed frame, a file: page), the source
  // goes on alone rather than not at all.
  const alone = () => {
    if (closed || connection !== null) return
    channel?.close()
    channel = null
    connection = openConnection(url, init, listener, resumeId)
  }

  shareKey(url, init)
    .then((key) => {
      if (closed) return
      channel = new BroadcastChannel(key)
      channel.onmessage = (event) => onChannelMessage(event.data)
      post({ t: 'hello' })
      // Rejects with an AbortError when closed while waiting: nothing to do then.
      return locks.request(key, { signal: lockRequest.signal }, hold)
    })
    .catch(alone)

  return { close }
}
