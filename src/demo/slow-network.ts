/**
 * The demo's "slow network": `GET /events?…&slow=1` is sent through a connection that carries
 * a few KiB a second, so the page can show per-key conflation at work (the ticker stays
 * current, the clock and chat still arrive) without a real slow network. Served only with
 * `--demo`; bounded like any slow client (the stream's unsent-bytes cap), and in number.
 */
import type { HubApp } from '../app/app.js'
import type { HubResponse, HubStreamResponse } from '../http/types.js'
import type { Sink } from '../stream/sink.js'

/** Bytes the slow connection passes on per tick. */
export const SLOW_BYTES_PER_TICK = 512
/** How often it passes them on. */
export const SLOW_TICK_MS = 250
/**
 * Most streams slowed at once, per app: each holds a timer and up to its cap of unsent bytes in
 * this process for as long as its client stays, and any client may ask. Past it, a request that
 * asks is served at full speed.
 */
export const MAX_SLOW_STREAMS = 64

/**
 * A sink that hands `inner` at most {@link SLOW_BYTES_PER_TICK} every {@link SLOW_TICK_MS}:
 * what waits counts as unsent bytes (so the stream's cap still holds), and `onDrain` waits
 * until nothing does.
 */
export function slowSink(inner: Sink): Sink {
  const queue: Uint8Array[] = []
  let queued = 0
  let drainListeners: Array<() => void> = []
  let ending = false
  let timer: ReturnType<typeof setInterval> | undefined
  const stop = () => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }
  const tick = () => {
    let budget = SLOW_BYTES_PER_TICK
    while (budget > 0 && queue.length > 0) {
      const chunk = queue[0] as Uint8Array
      if (chunk.byteLength <= budget) {
        queue.shift()
        inner.write(chunk)
        budget -= chunk.byteLength
        queued -= chunk.byteLength
      } else {
        // Split on a byte boundary: the client's parser joins the pieces.
        inner.write(chunk.subarray(0, budget))
        queue[0] = chunk.subarray(budget)
        queued -= budget
        budget = 0
      }
    }
    if (queue.length > 0) return
    stop()
    if (ending) inner.end()
    const listeners = drainListeners
    drainListeners = []
    for (const listener of listeners) listener()
  }
  inner.onClose(() => {
    stop()
    queue.length = 0
    queued = 0
    drainListeners = []
  })
  return {
    write(chunk) {
      if (ending) return
      queue.push(chunk)
      queued += chunk.byteLength
      timer ??= setInterval(tick, SLOW_TICK_MS)
    },
    get bufferedBytes() {
      return queued + inner.bufferedBytes
    },
    end() {
      ending = true
      if (queue.length === 0) inner.end()
    },
    abort() {
      stop()
      inner.abort()
    },
    onDrain(listener) {
      if (queue.length === 0) setImmediate(listener)
      else drainListeners.push(listener)
    },
    onClose: (listener) => inner.onClose(listener),
  }
}

/**
 * `app` with its event streams slowed down for requests that ask (`slow=1` in the query), at
 * most {@link MAX_SLOW_STREAMS} at once. Everything else is answered by `app` as it is.
 */
export function withSlowNetwork(app: HubApp): HubApp {
  let slowed = 0
  const start = (response: HubStreamResponse, sink: Sink) => {
    if (slowed >= MAX_SLOW_STREAMS) return response.start(sink)
    slowed++
    sink.onClose(() => slowed--)
    response.start(slowSink(sink))
  }
  return {
    ...app,
    async handle(request) {
      const response: HubResponse = await app.handle(request)
      if (request.url.searchParams.get('slow') !== '1' || !('start' in response)) return response
      return { ...response, start: (sink: Sink) => start(response, sink) }
    },
  }
}
