/**
 * `events(url, init)`: an event stream as an async iterator, on the same machinery as
 * `EventSource` (reconnection, `Last-Event-ID`, the failure rules, sharing among tabs).
 *
 * @example
 * ```ts
 * import { events } from 'ssehub/client'
 * const controller = new AbortController()
 * for await (const event of events('/events?topic=chat', { signal: controller.signal })) {
 *   console.log(event.event, event.data, event.lastEventId)
 * }
 * ```
 */
import { SseError } from '../protocol/errors.js'
import type { ParsedEvent } from '../protocol/types.js'
import { openSource } from './open-source.js'
import { type EventSourceInit, resolveInit } from './options.js'

/** {@link EventSourceInit} and the signal that ends the iteration. */
export interface EventsInit extends EventSourceInit {
  /** Ends the iteration (normally, without an error) when aborted. @defaultValue none */
  signal?: AbortSignal | undefined
}

/**
 * Iterates over the events of `url`, of every type, reconnecting as `EventSource` does.
 *
 * The iteration ends normally when `init.signal` aborts or the loop breaks, and ends with an
 * `SseError` when the connection fails for good (`ERR_SSE_CONNECT_FAILED`: a 204, a status other
 * than 200 unless `retryOnFailure` retries it, a content type other than `text/event-stream`) or
 * when more than `maxQueuedEvents` wait for a busy loop (`ERR_SSE_CLIENT_QUEUE_FULL`).
 *
 * A connection of its own reads no further than the loop takes: the events of one read wait,
 * the rest stays with the server. A connection shared among tabs cannot wait for one of them,
 * so there `maxQueuedEvents` is what bounds a slow loop.
 *
 * @throws {TypeError} at once, for a bad URL or a bad field of `init`.
 */
export function events(
  url: string | URL,
  init: EventsInit = {},
): AsyncGenerator<ParsedEvent, void, undefined> {
  const base = (globalThis as { location?: { href?: string } }).location?.href
  const parsed = new URL(String(url), base)
  const resolved = resolveInit(init)
  return iterate(parsed, resolved, init.signal)
}

async function* iterate(
  url: URL,
  init: ReturnType<typeof resolveInit>,
  signal: AbortSignal | undefined,
): AsyncGenerator<ParsedEvent, void, undefined> {
  if (signal?.aborted === true) return
  let queue: ParsedEvent[] = []
  let head = 0
  let failure: SseError | null = null
  let ended = false
  let wake: (() => void) | null = null
  const notify = () => {
    const resolve = wake
    wake = null
    resolve?.()
  }
  // The connection waits for this before reading on, while events of its last read are queued.
  let drained: (() => void) | null = null
  const drain = () => {
    const resolve = drained
    drained = null
    resolve?.()
  }
  const source = openSource(url, init, {
    open() {},
    message(event) {
      if (failure !== null) return
      if (queue.length - head >= init.maxQueuedEvents) {
        failure = new SseError(
          'ERR_SSE_CLIENT_QUEUE_FULL',
          `more than ${init.maxQueuedEvents} events waited for the loop (maxQueuedEvents)`,
        )
        source.close()
      } else {
        queue.push(event)
      }
      notify()
    },
    error(error, closed) {
      if (!closed) return
      failure = error
      notify()
    },
    ready() {
      if (head === queue.length || failure !== null || ended) return undefined
      return new Promise<void>((resolve) => {
        drained = resolve
      })
    },
  })
  const onAbort = () => {
    ended = true
    source.close()
    notify()
    drain()
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      if (ended) return
      if (head < queue.length) {
        const event = queue[head++] as ParsedEvent
        // Drop what was taken now and then, not per event: shift() copies the array each time.
        if (head >= 1024 && head * 2 >= queue.length) {
          queue = queue.slice(head)
          head = 0
        }
        yield event
        continue
      }
      queue = []
      head = 0
      if (failure !== null) throw failure
      // The loop has taken every event read: the connection may read on.
      drain()
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    source.close()
    drain()
  }
}
