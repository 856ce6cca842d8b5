import { describe, expect, it } from 'vitest'
import {
  conflatedKeys,
  MAX_CONFLATED_KEYS,
  writeConflated,
} from '../../../src/stream/conflation.js'
import { SseStream } from '../../../src/stream/sse-stream.js'
import { bytes, manualScheduler, memorySink } from '../../helpers/streams.js'

function behindStream(maxBufferedBytes?: number) {
  const { scheduler, endTurn } = manualScheduler()
  const sink = memorySink()
  const stream = new SseStream(sink, { scheduler, maxBufferedBytes })
  return { sink, stream, endTurn }
}

describe('per-key conflation', () => {
  it('sends every keyed event to a stream that keeps up', () => {
    const { sink, stream, endTurn } = behindStream()
    writeConflated(stream, 'a', bytes('data: a1\n\n'))
    endTurn()
    sink.drain()
    writeConflated(stream, 'a', bytes('data: a2\n\n'))
    endTurn()
    expect(sink.chunks).toEqual(['data: a1\n\n', 'data: a2\n\n'])
  })

  it('holds only the newest event of each key while the stream is behind, and sends them once it drains', () => {
    const { sink, stream, endTurn } = behindStream()
    stream.writeBytes(bytes('data: x\n\n'))
    writeConflated(stream, 'a', bytes('data: a1\n\n'))
    writeConflated(stream, 'b', bytes('data: b1\n\n'))
    writeConflated(stream, 'a', bytes('data: a2\n\n'))
    writeConflated(stream, 'a', bytes('data: a3\n\n'))
    writeConflated(stream, 'b', bytes('data: b2\n\n'))
    expect(conflatedKeys(stream)).toBe(2)
    endTurn()
    expect(sink.chunks).toEqual(['data: x\n\n'])
    sink.drain()
    endTurn()
    // In the order each key last changed.
    expect(sink.chunks).toEqual(['data: x\n\n', 'data: a3\n\ndata: b2\n\n'])
    expect(conflatedKeys(stream)).toBe(0)
  })

  it('never holds an event without a key: it queues as always', () => {
    const { sink, stream, endTurn } = behindStream()
    stream.writeBytes(bytes('data: x\n\n'))
    writeConflated(stream, 'a', bytes('data: a1\n\n'))
    stream.writeBytes(bytes('data: y\n\n'))
    endTurn()
    expect(sink.chunks).toEqual(['data: x\n\ndata: y\n\n'])
  })

  it('keeps a stream that falls behind under its cap however fast its keys change', () => {
    const { stream } = behindStream(200)
    stream.writeBytes(bytes('data: x\n\n'))
    for (let i = 0; i < 10_000; i++) {
      expect(writeConflated(stream, `k${i % 3}`, bytes(`data: ${i} ${'.'.repeat(50)}\n\n`))).toBe(
        true,
      )
    }
    expect(stream.closed).toBe(false)
    expect(conflatedKeys(stream)).toBe(3)
  })

  it('holds at most MAX_CONFLATED_KEYS keys: a further key is written as any event', () => {
    const { sink, stream, endTurn } = behindStream()
    stream.writeBytes(bytes('data: x\n\n'))
    for (let i = 0; i <= MAX_CONFLATED_KEYS; i++)
      writeConflated(stream, `k${i}`, bytes('data: k\n\n'))
    expect(conflatedKeys(stream)).toBe(MAX_CONFLATED_KEYS)
    endTurn()
    expect(sink.chunks).toEqual(['data: x\n\ndata: k\n\n'])
  })

  it('counts what it holds against the cap: many keys of large events on a stream that never drains cut it', () => {
    const { sink, stream } = behindStream(64 * 1024)
    stream.writeBytes(bytes('data: x\n\n'))
    const event = (i: number) => bytes(`data: ${i} ${'.'.repeat(4096)}\n\n`)
    let accepted = 0
    for (let i = 0; i < 100 && writeConflated(stream, `k${i}`, event(i)); i++) accepted++
    // 4 KiB a key: the 16th key passes 64 KiB.
    expect(accepted).toBe(15)
    expect(stream.closed).toBe(true)
    expect(sink.aborted).toBe(true)
    expect(conflatedKeys(stream)).toBe(0)
  })

  it('frees the bytes of a replaced event: a key that shrinks makes room', () => {
    const { stream } = behindStream(10_000)
    stream.writeBytes(bytes('data: x\n\n'))
    expect(writeConflated(stream, 'a', bytes(`data: ${'.'.repeat(6000)}\n\n`))).toBe(true)
    expect(writeConflated(stream, 'a', bytes('data: small\n\n'))).toBe(true)
    expect(writeConflated(stream, 'b', bytes(`data: ${'.'.repeat(6000)}\n\n`))).toBe(true)
    expect(stream.closed).toBe(false)
    expect(conflatedKeys(stream)).toBe(2)
  })

  it('releases what it holds as soon as the stream is cut, with no drain to come', () => {
    const { sink, stream, endTurn } = behindStream()
    stream.writeBytes(bytes('data: x\n\n'))
    writeConflated(stream, 'a', bytes('data: a1\n\n'))
    writeConflated(stream, 'b', bytes('data: b1\n\n'))
    endTurn()
    sink.hangUp()
    expect(stream.closed).toBe(true)
    expect(conflatedKeys(stream)).toBe(0)
  })

  it('drops what it holds when the stream closes', () => {
    const { sink, stream, endTurn } = behindStream()
    stream.writeBytes(bytes('data: x\n\n'))
    writeConflated(stream, 'a', bytes('data: a1\n\n'))
    endTurn()
    sink.hangUp()
    sink.drain()
    endTurn()
    expect(sink.chunks).toEqual(['data: x\n\n'])
    expect(writeConflated(stream, 'a', bytes('data: a2\n\n'))).toBe(false)
  })
})
