/**
 * Several `ssehub serve` nodes on one Redis, and a subscriber that fails over between them the
 * way a client behind a load balancer does: on a lost stream it reconnects to another node with
 * `Last-Event-ID`.
 */
import { createParser } from '../../src/protocol/parse.js'
import { createCondition } from './condition.js'
import { type ServerProcess, spawnServer } from './server.js'

/** Spawns `count` nodes on `redisUrl` (no clock, heartbeat every second unless overridden). */
export async function spawnNodes(
  count: number,
  redisUrl: string,
  args: string[] = [],
): Promise<ServerProcess[]> {
  const heartbeat = args.includes('--heartbeat') ? [] : ['--heartbeat', '1']
  return Promise.all(
    Array.from({ length: count }, () =>
      spawnServer(['--redis', redisUrl, '--no-clock', ...heartbeat, ...args]),
    ),
  )
}

/** Resolves once a node's stderr (its JSON log) matches `pattern`, after `from` characters. */
export function waitForLog(
  node: ServerProcess,
  pattern: RegExp,
  options: { from?: number | undefined; timeoutMs?: number } = {},
): Promise<string> {
  const { from = 0, timeoutMs = 10_000 } = options
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(node.stderr().slice(from))
      if (match === null) return
      cleanup()
      resolve(match[0])
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(
        new Error(`timed out waiting for ${pattern} in the log:\n${node.stderr().slice(from)}`),
      )
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      node.child.stderr?.off('data', check)
    }
    node.child.stderr?.on('data', check)
    check()
  })
}

/** Publishes one event over HTTP; resolves with the status and the body (the id on 200). */
export async function publishTo(
  url: string,
  topic: string,
  data: string,
  id?: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(id === undefined ? { topic, data } : { topic, data, id }),
  })
  return { status: response.status, body: await response.text() }
}

/** One event as a {@link FailoverSubscriber} received it. */
export interface Received {
  readonly id: string
  /** The event type (`message` when it names none; a history-gap notice has its own). */
  readonly type: string
  readonly data: string
  /** The node it came from. */
  readonly via: string
}

/** A subscriber that moves to the next node when its stream is lost. */
export interface FailoverSubscriber {
  readonly events: Received[]
  /** Heartbeat comments received, per node URL. */
  readonly heartbeats: Map<string, number>
  /** Connections opened so far (1 once the first is open). */
  opens(): number
  /** The node it reads from now. */
  current(): string
  waitFor(done: () => boolean, what: string, timeoutMs?: number): Promise<void>
  waitForEvents(count: number, timeoutMs?: number): Promise<Received[]>
  close(): void
}

/** When a {@link FailoverSubscriber} reconnects. */
export interface FailoverOptions {
  /** Awaited before each reconnection (a client's retry delay); by default 20 ms. */
  beforeReconnect?: () => Promise<unknown>
}

/**
 * Subscribes to `topics` on `urls[start]`; when the stream ends or fails, reconnects to the next
 * URL (round robin) with the last id seen as `Last-Event-ID`.
 */
export function failoverSubscriber(
  urls: readonly string[],
  topics: readonly string[],
  start = 0,
  options: FailoverOptions = {},
): FailoverSubscriber {
  const beforeReconnect =
    options.beforeReconnect ?? (() => new Promise((resolve) => setTimeout(resolve, 20)))
  const controller = new AbortController()
  const events: Received[] = []
  const heartbeats = new Map<string, number>()
  const condition = createCondition()
  const wake = condition.changed
  let index = start
  let opens = 0
  let lastId = ''
  const query = topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&')

  const readFrom = async (url: string) => {
    const headers: Record<string, string> = lastId === '' ? {} : { 'last-event-id': lastId }
    const response = await fetch(`${url}/events?${query}`, { headers, signal: controller.signal })
    if (response.status !== 200 || response.body === null) throw new Error(`${response.status}`)
    opens++
    wake()
    const parser = createParser({
      onEvent: (e) => {
        lastId = e.lastEventId
        events.push({ id: e.lastEventId, type: e.event, data: e.data, via: url })
        wake()
      },
      onComment: () => {
        heartbeats.set(url, (heartbeats.get(url) ?? 0) + 1)
        wake()
      },
    })
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      parser.feed(value)
    }
  }

  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await readFrom(urls[index % urls.length] as string)
      } catch {
        // refused, reset or aborted: the next node
      }
      if (controller.signal.aborted) return
      index++
      await beforeReconnect()
    }
  })()

  const waitFor = (done: () => boolean, what: string, timeoutMs = 10_000) =>
    condition.until(done, () => `${what}; got ${events.length} events`, timeoutMs)

  return {
    events,
    heartbeats,
    opens: () => opens,
    current: () => urls[index % urls.length] as string,
    waitFor,
    async waitForEvents(count, timeoutMs) {
      await waitFor(() => events.length >= count, `${count} events`, timeoutMs)
      return events
    },
    close: () => controller.abort(),
  }
}

/**
 * Opens `/events?topic=…` on `url` with `Last-Event-ID` (a client reconnecting there) and
 * returns the `id`s and data of the first `count` events.
 */
export async function readEvents(
  url: string,
  topic: string,
  lastEventId: string,
  count: number,
): Promise<{ ids: string[]; data: string[] }> {
  const controller = new AbortController()
  const response = await fetch(`${url}/events?topic=${encodeURIComponent(topic)}`, {
    headers: { 'last-event-id': lastEventId },
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(10_000)]),
  })
  const events: { id: string; data: string }[] = []
  const parser = createParser({ onEvent: (e) => events.push({ id: e.lastEventId, data: e.data }) })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  while (events.length < count) {
    const { done, value } = await reader.read()
    if (done) break
    parser.feed(value)
  }
  controller.abort()
  return { ids: events.map((e) => e.id), data: events.map((e) => e.data) }
}
