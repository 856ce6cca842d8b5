import { afterEach, describe, expect, it, vi } from 'vitest'
import { Heartbeat } from '../../../src/stream/heartbeat.js'
import type { Sink } from '../../../src/stream/sink.js'
import { SseStream } from '../../../src/stream/sse-stream.js'

/** A sink that keeps what it is given and never sends it, so its buffer only grows. */
function memorySink(): Sink & { chunks: string[]; ended: boolean; hangUp(): void } {
  let closeListener = () => {}
  let buffered = 0
  const sink = {
    chunks: [] as string[],
    ended: false,
    write(chunk: Uint8Array) {
      sink.chunks.push(new TextDecoder().decode(chunk))
      buffered += chunk.byteLength
    },
    get bufferedBytes() {
      return buffered
    },
    end() {
      sink.ended = true
    },
    onClose(listener: () => void) {
      closeListener = listener
    },
    hangUp: () => closeListener(),
  }
  return sink
}

afterEach(() => {
  vi.useRealTimers()
})

describe('stream', () => {
  it('writes encoded events to its sink', () => {
    const sink = memorySink()
    const stream = new SseStream(sink)
    expect(stream.write({ event: 'a', data: 'b' })).toBe(true)
    expect(sink.chunks).toEqual(['event: a\ndata: b\n\n'])
  })

  it('closes itself, reporting overflow, once unsent bytes pass the cap', () => {
    const sink = memorySink()
    const stream = new SseStream(sink, { maxBufferedBytes: 100 })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    const chunk = new Uint8Array(60)
    expect(stream.writeBytes(chunk)).toBe(true)
    expect(stream.writeBytes(chunk)).toBe(false)
    expect(sink.ended).toBe(true)
    expect(reasons).toEqual(['overflow'])
    expect(stream.writeBytes(chunk)).toBe(false)
    expect(sink.chunks).toHaveLength(2)
  })

  it('runs its close listeners once when the client hangs up', () => {
    const sink = memorySink()
    const stream = new SseStream(sink)
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    sink.hangUp()
    sink.hangUp()
    stream.close()
    expect(reasons).toEqual(['client'])
    expect(stream.closed).toBe(true)
    expect(stream.write({ data: 'late' })).toBe(false)
  })

  it('writes a last event before ending when closed by the server', () => {
    const sink = memorySink()
    const stream = new SseStream(sink)
    stream.close('server', new TextEncoder().encode('retry: 1000\n\n'))
    expect(sink.chunks).toEqual(['retry: 1000\n\n'])
    expect(sink.ended).toBe(true)
  })
})

describe('heartbeat', () => {
  it('writes a comment to every open stream each period from one timer', () => {
    vi.useFakeTimers()
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval')
    const heartbeat = new Heartbeat(15_000)
    const sinks = [memorySink(), memorySink(), memorySink()]
    for (const sink of sinks) heartbeat.add(new SseStream(sink))
    vi.advanceTimersByTime(15_000)
    expect(sinks.map((s) => s.chunks)).toEqual([[':\n\n'], [':\n\n'], [':\n\n']])
    expect(setIntervalSpy).toHaveBeenCalledTimes(1)
    heartbeat.stop()
  })

  it('forgets a stream once it closes', () => {
    vi.useFakeTimers()
    const heartbeat = new Heartbeat(1000)
    const sink = memorySink()
    heartbeat.add(new SseStream(sink))
    sink.hangUp()
    expect(heartbeat.size).toBe(0)
    vi.advanceTimersByTime(1000)
    expect(sink.chunks).toEqual([])
    heartbeat.stop()
  })
})
