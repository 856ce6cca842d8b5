import { afterEach, describe, expect, it, vi } from 'vitest'
import { SLOW_BYTES_PER_TICK, SLOW_TICK_MS, slowSink } from '../../../src/demo/slow-network.js'
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
})
