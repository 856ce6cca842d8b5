import { describe, expect, it } from 'vitest'
import { ChunkJoiner } from '../../../src/stream/chunk-joiner.js'
import { CoalescingSink } from '../../../src/stream/coalescing-sink.js'
import { FlushScheduler } from '../../../src/stream/flush-scheduler.js'
import type { Sink } from '../../../src/stream/sink.js'
import { SseStream } from '../../../src/stream/sse-stream.js'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunk: Uint8Array) => new TextDecoder().decode(chunk)

/** A sink that keeps each write it is given and never sends any. */
function recordingSink(): Sink & { writes: Uint8Array[]; ended: boolean; hangUp(): void } {
  let closeListener = () => {}
  const sink = {
    writes: [] as Uint8Array[],
    ended: false,
    write(chunk: Uint8Array) {
      sink.writes.push(chunk)
    },
    get bufferedBytes() {
      return sink.writes.reduce((sum, chunk) => sum + chunk.byteLength, 0)
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

/** A scheduler whose turn ends when the test says so. */
function manualScheduler(): { scheduler: FlushScheduler; deferrals: number; endTurn(): void } {
  let pending: (() => void) | undefined
  const state = {
    scheduler: new FlushScheduler((run) => {
      state.deferrals++
      pending = run
    }),
    deferrals: 0,
    endTurn() {
      const run = pending
      pending = undefined
      run?.()
    },
  }
  return state
}

describe('coalescing sink', () => {
  it('hands the sink below everything written in one turn as one write, in order', () => {
    const { scheduler, endTurn } = manualScheduler()
    const inner = recordingSink()
    const sink = new CoalescingSink(inner, scheduler)
    sink.write(bytes('data: 1\n\n'))
    sink.write(bytes('data: 2\n\n'))
    expect(inner.writes).toHaveLength(0)
    endTurn()
    expect(inner.writes.map(text)).toEqual(['data: 1\n\ndata: 2\n\n'])
  })

  it('flushes every stream of a turn from one deferral', () => {
    const turn = manualScheduler()
    const inners = [recordingSink(), recordingSink(), recordingSink()]
    const sinks = inners.map((inner) => new CoalescingSink(inner, turn.scheduler))
    for (const sink of sinks) sink.write(bytes('a'))
    for (const sink of sinks) sink.write(bytes('b'))
    turn.endTurn()
    expect(turn.deferrals).toBe(1)
    expect(inners.map((inner) => inner.writes.map(text))).toEqual([['ab'], ['ab'], ['ab']])
  })

  it('gives streams that queued the same chunks the same joined buffer', () => {
    const { scheduler, endTurn } = manualScheduler()
    const first = bytes('id: 1\n\n')
    const second = bytes('id: 2\n\n')
    const inners = [recordingSink(), recordingSink()]
    for (const inner of inners) {
      const sink = new CoalescingSink(inner, scheduler)
      sink.write(first)
      sink.write(second)
    }
    endTurn()
    expect(inners[0]?.writes[0]).toBe(inners[1]?.writes[0])
  })

  it('passes a lone chunk on as it is, without copying', () => {
    const { scheduler, endTurn } = manualScheduler()
    const inner = recordingSink()
    const chunk = bytes('data: x\n\n')
    new CoalescingSink(inner, scheduler).write(chunk)
    endTurn()
    expect(inner.writes[0]).toBe(chunk)
  })

  it('counts queued bytes as buffered, so the unsent-bytes cap still closes a slow stream', () => {
    const { scheduler, endTurn } = manualScheduler()
    const inner = recordingSink()
    const stream = new SseStream(new CoalescingSink(inner, scheduler), { maxBufferedBytes: 100 })
    const reasons: string[] = []
    stream.onClose((reason) => reasons.push(reason))
    expect(stream.writeBytes(new Uint8Array(60))).toBe(true)
    endTurn()
    // The sink below never sends: its 60 bytes plus 60 queued pass the cap.
    expect(stream.writeBytes(new Uint8Array(60))).toBe(false)
    expect(reasons).toEqual(['overflow'])
    expect(stream.writeBytes(new Uint8Array(60))).toBe(false)
  })

  it('writes what is queued before ending', () => {
    const { scheduler } = manualScheduler()
    const inner = recordingSink()
    const sink = new CoalescingSink(inner, scheduler)
    sink.write(bytes('data: last\n\n'))
    sink.write(bytes('retry: 1000\n\n'))
    sink.end()
    expect(inner.writes.map(text)).toEqual(['data: last\n\nretry: 1000\n\n'])
    expect(inner.ended).toBe(true)
  })

  it('drops its queue, and later writes, once the connection is gone', () => {
    const { scheduler, endTurn } = manualScheduler()
    const inner = recordingSink()
    const sink = new CoalescingSink(inner, scheduler)
    sink.write(bytes('data: lost\n\n'))
    inner.hangUp()
    sink.write(bytes('data: late\n\n'))
    endTurn()
    expect(inner.writes).toEqual([])
    expect(sink.bufferedBytes).toBe(0)
  })

  it('flushes on the shared scheduler by default, after the current turn', async () => {
    const inner = recordingSink()
    const sink = new CoalescingSink(inner)
    sink.write(bytes('a'))
    sink.write(bytes('b'))
    expect(inner.writes).toHaveLength(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(inner.writes.map(text)).toEqual(['ab'])
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
