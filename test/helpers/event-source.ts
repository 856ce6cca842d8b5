/**
 * A real `EventSource` (the `eventsource` npm package, a WHATWG implementation) that records
 * what it receives, for integration tests.
 */
import { EventSource } from 'eventsource'
import { createCondition } from './condition.js'

/** One received event. */
export interface ReceivedEvent {
  readonly type: string
  readonly data: string
  readonly lastEventId: string
}

/** An `EventSource` with everything it received, and ways to await more. */
export interface RecordingEventSource {
  readonly source: EventSource
  readonly events: ReceivedEvent[]
  /** How many times `open` fired. */
  opens(): number
  /** Resolves once at least `count` events have arrived. */
  waitForEvents(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>
  /** Resolves on the `n`-th `open` (1-based). */
  waitForOpen(n?: number, timeoutMs?: number): Promise<void>
  close(): void
}

/**
 * Opens an `EventSource` on `url`, recording `message` events and those of `types`.
 */
export function recordEventSource(
  url: string,
  options: {
    types?: string[]
    headers?: Record<string, string>
    /** Sees each response (the first connection's and every reconnect's) before the source. */
    onResponse?: (response: Response) => Response
  } = {},
): RecordingEventSource {
  const headers = options.headers ?? {}
  const onResponse = options.onResponse ?? ((response: Response) => response)
  const source = new EventSource(url, {
    fetch: async (input, init) =>
      onResponse(await fetch(input, { ...init, headers: { ...init?.headers, ...headers } })),
  })
  const events: ReceivedEvent[] = []
  let opens = 0
  const condition = createCondition()
  const wake = condition.changed
  const record = (event: MessageEvent) => {
    events.push({ type: event.type, data: event.data as string, lastEventId: event.lastEventId })
    wake()
  }
  source.addEventListener('message', record)
  for (const type of options.types ?? []) source.addEventListener(type, record)
  source.addEventListener('open', () => {
    opens++
    wake()
  })
  const waitUntil = (done: () => boolean, what: string, timeoutMs: number) =>
    condition.until(done, () => `${what}; got ${JSON.stringify(events)}`, timeoutMs)
  return {
    source,
    events,
    opens: () => opens,
    async waitForEvents(count, timeoutMs = 5000) {
      await waitUntil(() => events.length >= count, `${count} events`, timeoutMs)
      return events
    },
    waitForOpen: (n = 1, timeoutMs = 5000) => waitUntil(() => opens >= n, `open #${n}`, timeoutMs),
    close: () => source.close(),
  }
}
