/**
 * `EventSource`: a drop-in for the browser's class, on `fetch`, with the init dictionary of
 * {@link EventSourceInit} (headers, method, body, retry on failure, one connection per browser).
 *
 * @example
 * ```ts
 * import { EventSource } from 'ssehub/client'
 * const source = new EventSource('/events?topic=chat', {
 *   headers: { authorization: `Bearer ${token}` },
 * })
 * source.onmessage = (e) => console.log(e.data, e.lastEventId)
 * source.addEventListener('joined', (e) => console.log('joined', e.data))
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
import type { SseError } from '../protocol/errors.js'
import type { ParsedEvent } from '../protocol/types.js'
import { openSource } from './open-source.js'
import { type EventSourceInit, resolveInit } from './options.js'
import type { Source } from './source.js'

type Handler<E extends Event = Event> = ((this: EventSource, event: E) => unknown) | null

/** The event types an `EventSource` dispatches by name, as the DOM's `EventSourceEventMap`. */
export interface EventSourceEventMap {
  open: Event
  message: MessageEvent
  error: Event
}

type Listener<E extends Event> =
  | ((this: EventSource, event: E) => unknown)
  | { handleEvent(event: E): unknown }
type HandlerName = 'open' | 'message' | 'error'

/** The base URL a relative one resolves against: the document's in a browser, none in Node. */
function baseUrl(): string | undefined {
  const scope = globalThis as { document?: { baseURI?: string }; location?: { href?: string } }
  return scope.document?.baseURI ?? scope.location?.href
}

/**
 * An event stream, as the browser's `EventSource`: `readyState`, `url`, `withCredentials`,
 * `onopen`/`onmessage`/`onerror`, `addEventListener(type, …)` for named events, `close()`.
 * Each event is a `MessageEvent` with `data`, `lastEventId` and `origin`.
 *
 * As the spec says, a lost connection is re-established after the reconnection time (the
 * server's `retry:`) with `Last-Event-ID`; a 204, a status other than 200 or a content type
 * other than `text/event-stream` fails it for good (`readyState` CLOSED, one `error` event),
 * unless `retryOnFailure` asks to retry 5xx answers. Beyond the spec, each `error` event
 * carries why as its `error` property (an `SseError` with code `ERR_SSE_CONNECT_FAILED`).
 *
 * @throws {DOMException} `SyntaxError` when `url` is not a valid URL.
 * @throws {TypeError} for a bad field of `init`, naming it.
 */
export class EventSource extends EventTarget {
  /** The connection is being made or re-established. */
  static readonly CONNECTING = 0
  /** The connection is open: events are being dispatched. */
  static readonly OPEN = 1
  /** Closed, by `close()` or a failure; it stays closed. */
  static readonly CLOSED = 2
  declare readonly CONNECTING: 0
  declare readonly OPEN: 1
  declare readonly CLOSED: 2

  /** The absolute URL of the stream. */
  readonly url: string
  /** Whether cookies are sent to another origin. */
  readonly withCredentials: boolean
  #readyState: 0 | 1 | 2 = EventSource.CONNECTING
  #source: Source
  readonly #handlers = new Map<HandlerName, { handler: Handler; listener: EventListener }>()

  constructor(url: string | URL, init?: EventSourceInit) {
    super()
    let parsed: URL
    try {
      parsed = new URL(String(url), baseUrl())
    } catch {
      throw new DOMException(`cannot parse ${JSON.stringify(String(url))} as a URL`, 'SyntaxError')
    }
    const resolved = resolveInit(init)
    this.url = parsed.href
    this.withCredentials = resolved.withCredentials
    this.#source = openSource(parsed, resolved, {
      open: () => this.#announce(),
      message: (event, origin) => this.#dispatchMessage(event, origin),
      error: (error, closed) => this.#error(error, closed),
    })
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): 0 | 1 | 2 {
    return this.#readyState
  }

  /**
   * Adds a listener, typed as the DOM types it: `open` and `error` get an `Event`, `message` and
   * any named event type a `MessageEvent`.
   */
  override addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<EventSourceEventMap[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  override addEventListener(
    type: string,
    listener: Listener<MessageEvent> | null,
    options?: boolean | AddEventListenerOptions,
  ): void
  override addEventListener(
    type: string,
    listener: Listener<MessageEvent> | Listener<Event> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options)
  }

  /** Removes a listener added with {@link EventSource.addEventListener}. */
  override removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<EventSourceEventMap[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void
  override removeEventListener(
    type: string,
    listener: Listener<MessageEvent> | null,
    options?: boolean | EventListenerOptions,
  ): void
  override removeEventListener(
    type: string,
    listener: Listener<MessageEvent> | Listener<Event> | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options)
  }

  /** Stops the stream for good: no event is dispatched after this. */
  close(): void {
    this.#readyState = EventSource.CLOSED
    this.#source.close()
  }

  /** Called for each `open` event. */
  get onopen(): Handler {
    return this.#handler('open')
  }
  set onopen(handler: Handler) {
    this.#setHandler('open', handler)
  }
  /** Called for each event of type `message` (events without an `event:` field). */
  get onmessage(): Handler<MessageEvent> {
    return this.#handler('message')
  }
  set onmessage(handler: Handler<MessageEvent>) {
    this.#setHandler('message', handler as Handler)
  }
  /** Called for each `error` event: the connection was lost (CONNECTING) or failed (CLOSED). */
  get onerror(): Handler {
    return this.#handler('error')
  }
  set onerror(handler: Handler) {
    this.#setHandler('error', handler)
  }

  #handler(name: HandlerName): Handler {
    return this.#handlers.get(name)?.handler ?? null
  }

  // As an HTML event handler attribute: the listener is added when a handler is first set, keeps
  // its place among the listeners when replaced, and is removed when set to null.
  #setHandler(name: HandlerName, handler: Handler): void {
    const current = this.#handlers.get(name)
    if (typeof handler !== 'function') {
      if (current !== undefined) this.removeEventListener(name, current.listener)
      this.#handlers.delete(name)
      return
    }
    if (current !== undefined) {
      current.handler = handler
      return
    }
    const entry = {
      handler,
      listener: (event: Event) => {
        entry.handler?.call(this, event)
      },
    }
    this.#handlers.set(name, entry)
    this.addEventListener(name, entry.listener)
  }

  #announce(): void {
    if (this.#readyState !== EventSource.CONNECTING) return
    this.#readyState = EventSource.OPEN
    this.dispatchEvent(new Event('open'))
  }

  #dispatchMessage(event: ParsedEvent, origin: string): void {
    if (this.#readyState === EventSource.CLOSED) return
    this.dispatchEvent(
      new MessageEvent(event.event, { data: event.data, lastEventId: event.lastEventId, origin }),
    )
  }

  #error(error: SseError, closed: boolean): void {
    if (this.#readyState === EventSource.CLOSED) return
    this.#readyState = closed ? EventSource.CLOSED : EventSource.CONNECTING
    const event = new Event('error')
    Object.defineProperty(event, 'error', { value: error, enumerable: true })
    this.dispatchEvent(event)
  }
}

for (const [name, value] of [
  ['CONNECTING', 0],
  ['OPEN', 1],
  ['CLOSED', 2],
] as const) {
  Object.defineProperty(EventSource.prototype, name, { value, enumerable: true })
}
