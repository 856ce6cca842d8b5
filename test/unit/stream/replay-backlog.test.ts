import { afterEach, describe, expect, it, vi } from 'vitest'
import { kDirectWrites } from '../../../src/stream/direct-writes.js'
import { REPLAY_PAGE_BYTES, SseStream } from '../../../src/stream/sse-stream.js'
import { StallWatch } from '../../../src/stream/stall-watch.js'
import { bytes, manualScheduler, memorySink, settlingSink } from '../../helpers/streams.js'

afterEach(() => {
  vi.useRealTimers()
})

const events = (count: number, size: number): Uint8Array[] =>
  Array.from({ length: count }, (_, i) => bytes(`${String(i).padStart(size - 1, '0')}\n`))

describe('a stream sending a replay', () => {
  it('hands the sink one page, and the next only once the sink has drained', () => {
    const { scheduler } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    // 8 pages' worth of 1 KiB events.
    stream.sendBacklog(events(8 * 64, 1024))
    expect(sink.writes.map((w) => w.byteLength)).toEqual([REPLAY_PAGE_BYTES])
    sink.drain()
    expect(sink.writes.length).toBe(2)
    for (let i = 0; i < 6; i++) sink.drain()
    expect(sink.writes.map((w) => w.byteLength)).toEqual(Array(8).fill(REPLAY_PAGE_BYTES))
    expect(sink.chunks.join('')).toBe(
      events(8 * 64, 1024)
        .map((e) => new TextDecoder().decode(e))
        .join(''),
    )
  })

  it('sends what was written meanwhile after the replay, in order', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    stream.sendBacklog(events(128, 1024))
    stream.writeBytes(bytes('live-1\n'))
    stream.writeBytes(bytes('live-2\n'))
    endTurn()
    expect(sink.chunks.some((chunk) => chunk.includes('live'))).toBe(false)
    sink.drain()
    endTurn()
    const written = sink.chunks.join('')
    expect(written.endsWith('live-1\nlive-2\n')).toBe(true)
    expect(written.length).toBe(128 * 1024 + 14)
  })

  it('keeps writes queued behind the replay off the socket a fan-out writes to', () => {
    const { scheduler } = manualScheduler()
    const sink = settlingSink()
    const stream = new SseStream(sink, { scheduler })
    stream.sendBacklog(events(128, 1024))
    // The sink has settled on its target, yet the replay is not through.
    expect(stream[kDirectWrites]()).toBeUndefined()
    sink.target.writableLength = 0
    sink.drain()
    expect(stream[kDirectWrites]()).toBeDefined()
  })

  it('is cut once what queues behind a replay the client does not read passes the cap', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler, maxBufferedBytes: 256 * 1024 })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    // A replay far over the cap: paged, it does not trip it by itself.
    stream.sendBacklog(events(4096, 1024))
    expect(reasons).toEqual([])
    expect(stream.bufferedBytes).toBeLessThanOrEqual(64 * 1024)
    let live = 0
    while (!stream.closed && live < 10_000) {
      stream.writeBytes(new Uint8Array(1024))
      endTurn()
      live++
    }
    expect(reasons).toEqual(['overflow'])
    expect(sink.aborted).toBe(true)
    expect(live).toBeLessThan(256)
  })

  it('drops the rest of the replay and what queued behind it when closed by the server', () => {
    const { scheduler } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    stream.sendBacklog(events(128, 1024))
    stream.writeBytes(bytes('live\n'))
    stream.close('server', bytes('retry: 1000\n\n'))
    // Only the first page and the closing hint: no live event after a hole in the replay.
    expect(sink.chunks.slice(1)).toEqual(['retry: 1000\n\n'])
    expect(sink.ended).toBe(true)
    sink.drain()
    expect(sink.writes.length).toBe(2)
  })
})

describe('write stalls', () => {
  it('cuts a stream whose unsent bytes have not shrunk for the limit', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    stream.writeBytes(bytes('a'))
    endTurn()
    expect(stream.closeIfStalled(0, 1000)).toBe(false)
    expect(stream.closeIfStalled(999, 1000)).toBe(false)
    expect(stream.closeIfStalled(1000, 1000)).toBe(true)
    expect(reasons).toEqual(['stalled'])
    expect(sink.aborted).toBe(true)
  })

  it('leaves alone a stream whose client is reading, or that holds nothing', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    expect(stream.closeIfStalled(0, 1000)).toBe(false)
    stream.writeBytes(bytes('abc'))
    endTurn()
    expect(stream.closeIfStalled(10, 1000)).toBe(false)
    sink.drain()
    expect(stream.closeIfStalled(2000, 1000)).toBe(false)
    stream.writeBytes(bytes('d'))
    endTurn()
    expect(stream.closeIfStalled(2500, 1000)).toBe(false)
    expect(stream.closeIfStalled(3400, 1000)).toBe(false)
    expect(stream.closed).toBe(false)
  })

  it('are watched from one timer over a set of streams', () => {
    vi.useFakeTimers()
    const { scheduler, endTurn } = manualScheduler()
    const [reading, stuck] = [memorySink(), memorySink()]
    const streams = new Set([
      new SseStream(reading, { scheduler }),
      new SseStream(stuck, { scheduler }),
    ])
    for (const stream of streams) stream.writeBytes(bytes('x'))
    endTurn()
    reading.drain()
    const watch = new StallWatch(streams, 1000, () => Date.now())
    vi.advanceTimersByTime(1500)
    expect(stuck.aborted).toBe(true)
    expect(reading.aborted).toBe(false)
    watch.stop()
  })
})
