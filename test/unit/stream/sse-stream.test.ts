import { afterEach, describe, expect, it, vi } from 'vitest'
import { ChunkJoiner } from '../../../src/stream/chunk-joiner.js'
import { kDirectWrites } from '../../../src/stream/direct-writes.js'
import { FlushScheduler } from '../../../src/stream/flush-scheduler.js'
import { Heartbeat } from '../../../src/stream/heartbeat.js'
import type { Sink } from '../../../src/stream/sink.js'
import { SseStream } from '../../../src/stream/sse-stream.js'
import {
  bytes,
  clockedScheduler,
  manualScheduler,
  memorySink,
  text,
} from '../../helpers/streams.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('stream', () => {
  it('writes encoded events to its sink at the end of the turn', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    expect(stream.write({ event: 'a', data: 'b' })).toBe(true)
    expect(sink.chunks).toEqual([])
    endTurn()
    expect(sink.chunks).toEqual(['event: a\ndata: b\n\n'])
  })

  it('hands the sink everything written in one turn as one write, in order', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    stream.writeBytes(bytes('data: 1\n\n'))
    stream.writeBytes(bytes('data: 2\n\n'))
    stream.writeBytes(bytes('data: 3\n\n'))
    endTurn()
    expect(sink.chunks).toEqual(['data: 1\n\ndata: 2\n\ndata: 3\n\n'])
    stream.writeBytes(bytes('data: 4\n\n'))
    endTurn()
    expect(sink.chunks).toEqual(['data: 1\n\ndata: 2\n\ndata: 3\n\n', 'data: 4\n\n'])
  })

  it('flushes every stream of a turn from one deferral', () => {
    const turn = manualScheduler()
    const sinks = [memorySink(), memorySink(), memorySink()]
    const streams = sinks.map((sink) => new SseStream(sink, { scheduler: turn.scheduler }))
    for (const stream of streams) stream.writeBytes(bytes('a'))
    for (const stream of streams) stream.writeBytes(bytes('b'))
    turn.endTurn()
    expect(turn.deferrals).toBe(1)
    expect(sinks.map((sink) => sink.chunks)).toEqual([['ab'], ['ab'], ['ab']])
  })

  it('gives streams that queued the same chunks the same joined buffer', () => {
    const { scheduler, endTurn } = manualScheduler()
    const first = bytes('id: 1\n\n')
    const second = bytes('id: 2\n\n')
    const sinks = [memorySink(), memorySink()]
    for (const sink of sinks) {
      const stream = new SseStream(sink, { scheduler })
      stream.writeBytes(first)
      stream.writeBytes(second)
    }
    endTurn()
    expect(sinks[0]?.writes[0]).toBe(sinks[1]?.writes[0])
  })

  it('passes a lone chunk on as it is, without copying', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const chunk = bytes('data: x\n\n')
    new SseStream(sink, { scheduler }).writeBytes(chunk)
    endTurn()
    expect(sink.writes[0]).toBe(chunk)
  })

  it('aborts its connection, reporting overflow, once queued bytes pass the cap, dropping them', () => {
    const { scheduler } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { maxBufferedBytes: 100, scheduler })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    const chunk = new Uint8Array(60)
    expect(stream.writeBytes(chunk)).toBe(true)
    expect(stream.writeBytes(chunk)).toBe(false)
    expect(sink.aborted).toBe(true)
    expect(sink.ended).toBe(false)
    expect(reasons).toEqual(['overflow'])
    expect(stream.writeBytes(chunk)).toBe(false)
    expect(sink.writes).toEqual([])
  })

  it('counts what the sink has not sent against the cap, across turns', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink() // never sends: its buffer only grows
    const stream = new SseStream(sink, { maxBufferedBytes: 100, scheduler })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    expect(stream.writeBytes(new Uint8Array(60))).toBe(true)
    endTurn()
    expect(stream.bufferedBytes).toBe(60)
    expect(stream.writeBytes(new Uint8Array(60))).toBe(false)
    expect(reasons).toEqual(['overflow'])
  })

  it('does not count bytes the sink has sent since', () => {
    const { scheduler, endTurn } = manualScheduler()
    let unsent = 0
    const sink: Sink = {
      write: (chunk) => {
        unsent += chunk.byteLength
      },
      get bufferedBytes() {
        return unsent
      },
      end() {},
      abort() {},
      onDrain() {},
      onClose() {},
    }
    const stream = new SseStream(sink, { maxBufferedBytes: 100, scheduler })
    expect(stream.writeBytes(new Uint8Array(60))).toBe(true)
    endTurn()
    unsent = 0 // the socket drained
    expect(stream.writeBytes(new Uint8Array(60))).toBe(true)
    expect(stream.closed).toBe(false)
  })

  it('runs its close listeners once when the client hangs up, and drops its queue', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    stream.writeBytes(bytes('data: lost\n\n'))
    sink.hangUp()
    sink.hangUp()
    stream.close()
    endTurn()
    expect(reasons).toEqual(['client'])
    expect(stream.closed).toBe(true)
    expect(stream.write({ data: 'late' })).toBe(false)
    expect(sink.chunks).toEqual([])
    expect(stream.bufferedBytes).toBe(0)
  })

  it('writes straight to the target its sink settles on, framed as the sink says', () => {
    const { scheduler, endTurn } = manualScheduler()
    const target = {
      writable: true,
      writableLength: 0,
      writes: [] as string[],
      write(chunk: Uint8Array) {
        target.writes.push(text(chunk))
      },
    }
    const sink = Object.assign(memorySink(), {
      // Settled once something went through the sink, as node:http's once its headers are out.
      [kDirectWrites]: () =>
        sink.chunks.length === 0
          ? undefined
          : { target, frame: (chunk: Uint8Array) => bytes(`[${text(chunk)}]`) },
    })
    const stream = new SseStream(sink, { scheduler })
    stream.writeBytes(bytes('a'))
    endTurn()
    stream.writeBytes(bytes('b'))
    stream.writeBytes(bytes('c'))
    endTurn()
    expect(sink.chunks).toEqual(['a'])
    expect(target.writes).toEqual(['[bc]'])
    // A connection ending or gone before its close reaches the stream drops the bytes.
    target.writable = false
    stream.writeBytes(bytes('d'))
    endTurn()
    expect(target.writes).toEqual(['[bc]'])
    expect(sink.chunks).toEqual(['a'])
  })

  it('writes what is queued, then a last event, before ending when closed by the server', () => {
    const { scheduler, endTurn } = manualScheduler()
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler })
    stream.writeBytes(bytes('data: last\n\n'))
    stream.close('server', bytes('retry: 1000\n\n'))
    expect(sink.chunks).toEqual(['data: last\n\nretry: 1000\n\n'])
    expect(sink.ended).toBe(true)
    endTurn()
    expect(sink.chunks).toHaveLength(1)
  })

  it('flushes after the current turn by default (setImmediate)', async () => {
    const sink = memorySink()
    const stream = new SseStream(sink, {
      scheduler: new FlushScheduler({ quietMs: Number.POSITIVE_INFINITY }),
    })
    stream.writeBytes(bytes('a'))
    stream.writeBytes(bytes('b'))
    expect(sink.chunks).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    expect(sink.chunks).toEqual(['ab'])
  })
})

describe('flush scheduler', () => {
  it('writes at once after a quiet spell, queues in a turn that follows a busy one', () => {
    const clock = clockedScheduler(1)
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler: clock.scheduler })
    stream.writeBytes(bytes('a'))
    expect(sink.chunks).toEqual(['a'])
    clock.endTurn()
    clock.time = 0.5 // busy: the last turn wrote half a millisecond ago
    stream.writeBytes(bytes('b'))
    stream.writeBytes(bytes('c'))
    expect(sink.chunks).toEqual(['a'])
    clock.endTurn()
    expect(sink.chunks).toEqual(['a', 'bc'])
    clock.time = 1.4 // counted from the end of the last busy turn
    stream.writeBytes(bytes('d'))
    clock.endTurn()
    expect(sink.chunks).toEqual(['a', 'bc', 'd'])
    clock.time = 5
    stream.writeBytes(bytes('e'))
    expect(sink.chunks).toEqual(['a', 'bc', 'd', 'e'])
  })

  it('after a quiet spell, sends the first write of a turn at once and the rest together', () => {
    const clock = clockedScheduler(1)
    const sink = memorySink()
    const stream = new SseStream(sink, { scheduler: clock.scheduler })
    stream.writeBytes(bytes('1'))
    stream.writeBytes(bytes('2'))
    stream.writeBytes(bytes('3'))
    expect(sink.chunks).toEqual(['1'])
    clock.endTurn()
    expect(sink.chunks).toEqual(['1', '23'])
  })

  it('makes the same choice for every stream of a turn within a slice', () => {
    const clock = clockedScheduler(1)
    const [a, b] = [memorySink(), memorySink()]
    new SseStream(a, { scheduler: clock.scheduler }).writeBytes(bytes('x'))
    // Time passes within the turn (a long fan-out): the turn's choice stands.
    clock.time = 50
    new SseStream(b, { scheduler: clock.scheduler }).writeBytes(bytes('x'))
    expect([a.chunks, b.chunks]).toEqual([['x'], ['x']])
  })
})

/** Ends turns until nothing is queued (at most 100); returns how many it took. */
function drain(clock: { scheduler: FlushScheduler; endTurn(): void }): number {
  let turns = 0
  while (clock.scheduler.pending > 0 && turns < 100) {
    clock.endTurn()
    turns++
  }
  expect(clock.scheduler.pending).toBe(0)
  return turns
}

describe('flush scheduler, slices', () => {
  /**
   * `count` streams on a scheduler with `sliceMs` slices (writing at once for six after a
   * quiet spell, by default) and a clock that each write to a sink moves by 0.1 ms (a write
   * costs time, nothing else does).
   */
  function slowStreams(count: number, sliceMs = 5, writeThroughMs?: number) {
    const clock = clockedScheduler(1, sliceMs, writeThroughMs)
    const sinks = Array.from({ length: count }, () => {
      const sink = memorySink()
      const write = sink.write.bind(sink)
      sink.write = (chunk) => {
        clock.time += 0.1
        write(chunk)
      }
      return sink
    })
    const streams = sinks.map((sink) => new SseStream(sink, { scheduler: clock.scheduler }))
    const reached = () => sinks.filter((sink) => sink.chunks.length > 0).length
    /** Queues `text` on every stream in a turn that follows a busy one (nothing goes at once). */
    const queueAfterBusyTurn = (text: string) => {
      clock.scheduler.decideWrite()
      clock.endTurn()
      for (const stream of streams) stream.writeBytes(bytes(text))
    }
    return { clock, sinks, streams, reached, queueAfterBusyTurn }
  }

  it('writes at once for six slices of a quiet turn, and queues the rest of it', () => {
    const { clock, sinks, streams, reached } = slowStreams(600)
    for (const stream of streams) stream.writeBytes(bytes('a'))
    // 30 ms of 0.1 ms writes, give or take the clock being read every 64 streams.
    expect(reached()).toBeGreaterThanOrEqual(300)
    expect(reached()).toBeLessThan(390)
    drain(clock)
    expect(sinks.map((sink) => sink.chunks)).toEqual(sinks.map(() => ['a']))
  })

  it('writes a steady event to a thousand streams or so in one go, with no pause for the loop', () => {
    // 250 streams: 25 ms of writes, a slow spell's fan-out to a thousand, less than six slices.
    const { clock, streams, reached } = slowStreams(250)
    for (const stream of streams) stream.writeBytes(bytes('a'))
    expect(reached()).toBe(250)
    expect(clock.scheduler.pending).toBe(0)
  })

  it('writes at once for as long as told', () => {
    const { streams, reached } = slowStreams(300, 5, 5)
    for (const stream of streams) stream.writeBytes(bytes('a'))
    expect(reached()).toBeGreaterThanOrEqual(50)
    expect(reached()).toBeLessThan(130)
  })

  it('flushes a long pass over several turns, a slice each', () => {
    const { clock, reached, queueAfterBusyTurn } = slowStreams(300)
    queueAfterBusyTurn('a')
    expect(reached()).toBe(0)
    clock.endTurn()
    expect(reached()).toBeGreaterThanOrEqual(50)
    expect(reached()).toBeLessThan(130)
    expect(clock.scheduler.pending).toBe(300 - reached())
    const turns = 1 + drain(clock)
    expect(reached()).toBe(300)
    expect(turns).toBeGreaterThanOrEqual(3)
  })

  it('sends an event queued during a pass with the streams the pass has not reached yet', () => {
    const { clock, sinks, streams, reached, queueAfterBusyTurn } = slowStreams(300)
    queueAfterBusyTurn('a')
    clock.endTurn()
    const first = reached()
    expect(first).toBeLessThan(300)
    for (const stream of streams) stream.writeBytes(bytes('b'))
    drain(clock)
    expect(sinks.slice(0, first).map((sink) => sink.chunks)).toEqual(
      sinks.slice(0, first).map(() => ['a', 'b']),
    )
    expect(sinks.slice(first).map((sink) => sink.chunks)).toEqual(
      sinks.slice(first).map(() => ['ab']),
    )
  })

  it('never writes at once while a pass is under way, however long since its last slice', () => {
    const { clock, sinks, streams, queueAfterBusyTurn } = slowStreams(300)
    queueAfterBusyTurn('a')
    clock.endTurn()
    clock.time += 50
    ;(streams[0] as SseStream).writeBytes(bytes('b'))
    expect((sinks[0] as { chunks: string[] }).chunks).toEqual(['a'])
    drain(clock)
    expect((sinks[0] as { chunks: string[] }).chunks).toEqual(['a', 'b'])
    // The pass is done: after a quiet spell, writes go at once again.
    clock.time += 50
    ;(streams[0] as SseStream).writeBytes(bytes('c'))
    expect((sinks[0] as { chunks: string[] }).chunks).toEqual(['a', 'b', 'c'])
  })

  it('gives a pass that goes on as long a slice as the loop spent on other work', () => {
    const { clock, reached, queueAfterBusyTurn } = slowStreams(1000)
    queueAfterBusyTurn('a')
    clock.endTurn()
    const first = reached()
    clock.time += 20 // publishes read and answered between the slices
    clock.endTurn()
    // 20 ms of 0.1 ms writes, give or take the clock being read every 64 streams.
    expect(reached() - first).toBeGreaterThanOrEqual(200)
    expect(reached() - first).toBeLessThan(280)
  })

  it('gives a pass that starts after a long turn one slice, not the length of the turn', () => {
    const { clock, reached, queueAfterBusyTurn } = slowStreams(300)
    queueAfterBusyTurn('a')
    clock.time += 1000 // a long turn, then the first slice of the pass
    clock.endTurn()
    expect(reached()).toBeGreaterThanOrEqual(50)
    expect(reached()).toBeLessThan(130)
  })

  it('counts a turn’s writes at once against its slice, flushing the rest next turn', () => {
    const { clock, streams, reached } = slowStreams(600)
    for (const stream of streams) stream.writeBytes(bytes('a'))
    const atOnce = reached()
    clock.endTurn()
    expect(reached()).toBe(atOnce)
    clock.endTurn()
    expect(reached()).toBeGreaterThan(atOnce)
  })

  it('ends a fan-out in the turn it started with slices off', () => {
    const { clock, streams, reached } = slowStreams(300, Number.POSITIVE_INFINITY)
    for (const stream of streams) stream.writeBytes(bytes('a'))
    expect(reached()).toBe(300)
    clock.endTurn()
    for (const stream of streams) stream.writeBytes(bytes('b'))
    clock.endTurn()
    expect(clock.scheduler.pending).toBe(0)
  })
})

describe('chunk joiner', () => {
  it('joins again when the chunks differ', () => {
    const joiner = new ChunkJoiner()
    const [a, b, c] = [bytes('a'), bytes('b'), bytes('c')]
    const ab = joiner.join([a, b])
    expect(text(joiner.join([a, c]))).toBe('ac')
    expect(text(joiner.join([a, b, c]))).toBe('abc')
    expect(text(ab)).toBe('ab')
  })
})

describe('heartbeat', () => {
  it('writes a comment to every open stream each period from one timer', () => {
    vi.useFakeTimers()
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval')
    const { scheduler, endTurn } = manualScheduler()
    const heartbeat = new Heartbeat(15_000)
    const sinks = [memorySink(), memorySink(), memorySink()]
    for (const sink of sinks) heartbeat.add(new SseStream(sink, { scheduler }))
    vi.advanceTimersByTime(15_000)
    endTurn()
    expect(sinks.map((s) => s.chunks)).toEqual([[':\n\n'], [':\n\n'], [':\n\n']])
    expect(setIntervalSpy).toHaveBeenCalledTimes(1)
    heartbeat.stop()
  })

  it('spreads the streams over the period, a sixteenth of them at a time', () => {
    vi.useFakeTimers()
    const { scheduler, endTurn } = manualScheduler()
    const heartbeat = new Heartbeat(16_000)
    const sinks = Array.from({ length: 32 }, () => memorySink())
    for (const sink of sinks) heartbeat.add(new SseStream(sink, { scheduler }))
    const beaten = () => sinks.filter((sink) => sink.chunks.length > 0).length
    vi.advanceTimersByTime(1_000)
    endTurn()
    expect(beaten()).toBe(2)
    vi.advanceTimersByTime(7_000)
    endTurn()
    expect(beaten()).toBe(16)
    vi.advanceTimersByTime(8_000)
    endTurn()
    expect(sinks.map((sink) => sink.chunks)).toEqual(sinks.map(() => [':\n\n']))
    heartbeat.stop()
  })

  it('forgets a stream once it closes', () => {
    vi.useFakeTimers()
    const { scheduler, endTurn } = manualScheduler()
    const heartbeat = new Heartbeat(1000)
    const sink = memorySink()
    heartbeat.add(new SseStream(sink, { scheduler }))
    sink.hangUp()
    expect(heartbeat.size).toBe(0)
    vi.advanceTimersByTime(1000)
    endTurn()
    expect(sink.chunks).toEqual([])
    heartbeat.stop()
  })
})
