import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HubApp } from '../../../src/app/app.js'
import {
  MAX_SLOW_STREAMS,
  SLOW_BYTES_PER_TICK,
  SLOW_TICK_MS,
  slowSink,
  withSlowNetwork,
} from '../../../src/demo/slow-network.js'
import type { HubRequest, HubStreamResponse } from '../../../src/http/types.js'
import type { Sink } from '../../../src/stream/sink.js'
import { SseStream } from '../../../src/stream/sse-stream.js'
import { bytes, manualScheduler, memorySink } from '../../helpers/streams.js'

afterEach(() => {
  vi.useRealTimers()
})

// A client that reads everything at once: all the slowness is the throttle's.
function fastClient() {
  const inner = memorySink()
  const write = inner.write
  inner.write = (chunk) => {
    write(chunk)
    inner.drain()
  }
  return inner
}

describe("the demo's slow network", () => {
  it('passes on at most SLOW_BYTES_PER_TICK a tick, counting what waits as unsent', () => {
    vi.useFakeTimers()
    const inner = fastClient()
    const sink = slowSink(inner)
    sink.write(bytes('x'.repeat(SLOW_BYTES_PER_TICK * 2 + 10)))
    expect(sink.bufferedBytes).toBe(SLOW_BYTES_PER_TICK * 2 + 10)
    vi.advanceTimersByTime(SLOW_TICK_MS)
    expect(inner.chunks.join('').length).toBe(SLOW_BYTES_PER_TICK)
    vi.advanceTimersByTime(SLOW_TICK_MS * 2)
    expect(inner.chunks.join('')).toBe('x'.repeat(SLOW_BYTES_PER_TICK * 2 + 10))
    expect(sink.bufferedBytes).toBe(0)
    // Nothing waits: no timer is left running.
    expect(vi.getTimerCount()).toBe(0)
  })

  it('keeps a stream under its cap however fast a client reads: past it, the stream is cut', () => {
    vi.useFakeTimers()
    const { scheduler, endTurn } = manualScheduler()
    const inner = fastClient()
    const stream = new SseStream(slowSink(inner), { scheduler, maxBufferedBytes: 16 * 1024 })
    const event = bytes(`data: ${'y'.repeat(1000)}\n\n`)
    let sent = 0
    while (!stream.closed && sent < 1000) {
      stream.writeBytes(event)
      endTurn()
      vi.advanceTimersByTime(SLOW_TICK_MS)
      sent++
    }
    // About 1 KiB in for each 512 bytes out: the queue passes 16 KiB after some 32 events.
    expect(stream.closed).toBe(true)
    expect(sent).toBeLessThan(40)
    expect(inner.aborted).toBe(true)
  })

  it('drops what waits and stops its timer once the connection is gone', () => {
    vi.useFakeTimers()
    const inner = memorySink()
    const sink = slowSink(inner)
    sink.write(bytes('z'.repeat(10_000)))
    expect(vi.getTimerCount()).toBe(1)
    inner.hangUp()
    expect(sink.bufferedBytes).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('slows at most MAX_SLOW_STREAMS streams at once: past it, a request that asks is served at full speed', async () => {
    // An app whose one route streams, and that says which sink each stream was started on.
    const started: Sink[] = []
    const app = {
      handle: async () =>
        ({ status: 200, headers: {}, start: (sink) => started.push(sink) }) as HubStreamResponse,
    } as unknown as HubApp
    const slow = withSlowNetwork(app)
    const request = (query: string) =>
      ({ method: 'GET', url: new URL(`http://localhost/events?${query}`) }) as HubRequest
    const open = async (query: string) => {
      // Every close listener kept, as a real connection's are (the memory sink keeps one).
      const sink = memorySink()
      const closeListeners: Array<() => void> = []
      sink.onClose = (listener) => closeListeners.push(listener)
      sink.hangUp = () => {
        for (const listener of closeListeners) listener()
      }
      const response = (await slow.handle(request(query))) as HubStreamResponse
      response.start(sink)
      return { sink, throttled: started.at(-1) !== sink }
    }
    expect((await open('topic=a')).throttled).toBe(false)
    const clients = []
    for (let i = 0; i < MAX_SLOW_STREAMS; i++) clients.push(await open('topic=a&slow=1'))
    expect(clients.every((client) => client.throttled)).toBe(true)
    expect((await open('topic=a&slow=1')).throttled).toBe(false)
    // One leaves: its place is free again.
    clients[0]?.sink.hangUp()
    expect((await open('topic=a&slow=1')).throttled).toBe(true)
    expect((await open('topic=a&slow=1')).throttled).toBe(false)
  })
})
