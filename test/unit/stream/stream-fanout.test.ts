import { describe, expect, it } from 'vitest'
import type { FlushScheduler } from '../../../src/stream/flush-scheduler.js'
import { SseStream } from '../../../src/stream/sse-stream.js'
import { StreamFanout } from '../../../src/stream/stream-fanout.js'
import { bytes, clockedScheduler, settlingSink, text } from '../../helpers/streams.js'

/**
 * `count` streams in a fan-out on a scheduler whose quiet spell is 1 ms, each settled on its
 * target (one chunk, `0`, went through its sink in an earlier, quiet turn).
 */
function settledFanout(count: number, options: { writeThroughMs?: number; cap?: number } = {}) {
  const clock = clockedScheduler(1, undefined, options.writeThroughMs)
  const sinks = Array.from({ length: count }, () => settlingSink())
  const streams = sinks.map(
    (sink) =>
      new SseStream(sink, { scheduler: clock.scheduler, maxBufferedBytes: options.cap ?? null }),
  )
  const fanout = new StreamFanout(clock.scheduler)
  for (const stream of streams) {
    stream.writeBytes(bytes('0'))
    fanout.add(stream)
  }
  clock.endTurn()
  /** Moves the clock past the quiet spell: the next turn writes at once. */
  const quiet = () => {
    clock.time += 10
  }
  quiet()
  const targetWrites = () => sinks.map((sink) => sink.target.writes)
  return { clock, sinks, streams, fanout, quiet, targetWrites }
}

/** Ends turns until nothing is queued (at most 100). */
function drain(clock: { scheduler: FlushScheduler; endTurn(): void }): void {
  for (let turns = 0; clock.scheduler.pending > 0 && turns < 100; turns++) clock.endTurn()
  expect(clock.scheduler.pending).toBe(0)
}

describe('stream fan-out', () => {
  it('writes a quiet turn’s bytes straight to every settled stream’s target, framed once', () => {
    const clock = clockedScheduler(1)
    let framings = 0
    const frame = (chunk: Uint8Array) => {
      framings++
      return bytes(`<${text(chunk)}>`)
    }
    const sinks = [settlingSink(frame), settlingSink(frame), settlingSink(frame)]
    const fanout = new StreamFanout(clock.scheduler)
    for (const sink of sinks) {
      const stream = new SseStream(sink, { scheduler: clock.scheduler })
      stream.writeBytes(bytes('0'))
      fanout.add(stream)
    }
    clock.endTurn()
    clock.time = 10
    framings = 0
    fanout.write(bytes('a'))
    expect(sinks.map((sink) => [sink.chunks, sink.target.writes])).toEqual(
      sinks.map(() => [['0'], ['<a>']]),
    )
    expect(framings).toBe(1)
    expect(clock.scheduler.pending).toBe(0)
  })

  it('queues the rest of the turn behind, to leave in one write per stream', () => {
    const { clock, fanout, targetWrites } = settledFanout(3)
    fanout.write(bytes('a'))
    fanout.write(bytes('b'))
    fanout.write(bytes('c'))
    expect(targetWrites()).toEqual([['[a]'], ['[a]'], ['[a]']])
    clock.endTurn()
    expect(targetWrites()).toEqual([
      ['[a]', '[bc]'],
      ['[a]', '[bc]'],
      ['[a]', '[bc]'],
    ])
  })

  it('goes through each stream while any has bytes queued, so none overtakes them', () => {
    const { clock, streams, fanout, quiet, targetWrites } = settledFanout(2)
    fanout.write(bytes('a'))
    clock.endTurn()
    quiet()
    // The first stream has bytes of its own waiting for the flush.
    streams[0]?.queueBytes(bytes('q'))
    fanout.write(bytes('b'))
    expect(targetWrites()).toEqual([['[a]'], ['[a]', '[b]']])
    clock.endTurn()
    expect(targetWrites()).toEqual([
      ['[a]', '[qb]'],
      ['[a]', '[b]'],
    ])
  })

  it('queues like every stream in a turn that follows a busy one', () => {
    const { clock, fanout, targetWrites } = settledFanout(2)
    fanout.write(bytes('a'))
    clock.endTurn()
    clock.time += 0.5 // within the quiet spell
    fanout.write(bytes('b'))
    expect(targetWrites()).toEqual([['[a]'], ['[a]']])
    clock.endTurn()
    expect(targetWrites()).toEqual([
      ['[a]', '[b]'],
      ['[a]', '[b]'],
    ])
  })

  it('writes at once only as long as the turn may, and queues the rest for the flushes', () => {
    const { clock, sinks, fanout, targetWrites } = settledFanout(300, { writeThroughMs: 5 })
    for (const sink of sinks) {
      sink.target.onWrite = () => {
        clock.time += 0.1
      }
    }
    fanout.write(bytes('a'))
    const reached = () => sinks.filter((sink) => sink.target.writes.length > 0).length
    // 5 ms of 0.1 ms writes, give or take the clock being read every 64 streams.
    expect(reached()).toBeGreaterThanOrEqual(50)
    expect(reached()).toBeLessThan(130)
    drain(clock)
    expect(targetWrites()).toEqual(sinks.map(() => ['[a]']))
  })

  it('skips a target that is no longer writable', () => {
    const { sinks, fanout, targetWrites } = settledFanout(2)
    if (sinks[0]) sinks[0].target.writable = false
    fanout.write(bytes('a'))
    expect(targetWrites()).toEqual([[], ['[a]']])
  })

  it('counts what a target holds unsent against its stream’s cap, closing it past the cap', () => {
    const { clock, sinks, streams, fanout, quiet } = settledFanout(2, { cap: 100 })
    const [slow, fast] = [sinks[0], sinks[1]]
    if (slow === undefined || fast === undefined) throw new Error('two sinks')
    const closed: string[] = []
    streams[0]?.onClose((reason) => closed.push(reason))
    slow.target.onWrite = () => {
      slow.target.writableLength += 60
    }
    fanout.write(bytes('a'))
    expect(streams[0]?.bufferedBytes).toBe(60)
    expect(closed).toEqual([])
    clock.endTurn()
    quiet()
    fanout.write(bytes('b'))
    expect(closed).toEqual(['overflow'])
    expect(slow.aborted).toBe(true)
    expect(fast.target.writes).toEqual(['[a]', '[b]'])
  })

  it('writes a stream not yet settled through its sink, and straight once settled', () => {
    const clock = clockedScheduler(1)
    const sink = settlingSink()
    const fanout = new StreamFanout(clock.scheduler)
    fanout.add(new SseStream(sink, { scheduler: clock.scheduler }))
    fanout.write(bytes('a'))
    clock.endTurn()
    clock.time = 10
    fanout.write(bytes('b'))
    expect([sink.chunks, sink.target.writes]).toEqual([['a'], ['[b]']])
  })

  it('writes no more to a stream once deleted', () => {
    const { streams, fanout, targetWrites } = settledFanout(2)
    if (streams[0]) fanout.delete(streams[0])
    fanout.write(bytes('a'))
    expect(targetWrites()).toEqual([[], ['[a]']])
    expect(fanout.size).toBe(1)
  })
})
