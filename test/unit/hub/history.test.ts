import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { History, storedBytes } from '../../../src/hub/history.js'
import { buildHubEvent } from '../../../src/hub/hub-event.js'
import type { HubEvent } from '../../../src/hub/types.js'

function event(seq: number, fields: { topics?: string[]; data?: string } = {}): HubEvent {
  return buildHubEvent(
    {
      id: `id-${String(seq).padStart(4, '0')}`,
      topics: fields.topics ?? ['t'],
      type: undefined,
      data: fields.data ?? '',
      retry: undefined,
      private: false,
    },
    seq,
  )
}

const manyTopics = (seq: number, count: number) =>
  Array.from(
    { length: count },
    (_, i) =>
      `https://example.com/topics/${String(i).padStart(4, '0')}/${String(seq).padStart(4, '0')}`,
  )

describe('history', () => {
  it('counts every topic of an event toward its byte bound', () => {
    const maxBytes = 512 * 1024
    const history = new History(10_000, maxBytes)
    const events = Array.from({ length: 150 }, (_, seq) =>
      event(seq + 1, { topics: manyTopics(seq, 1000) }),
    )
    for (const e of events) history.append(e)
    // All the same size: the bound holds exactly this many.
    const perEvent = storedBytes(events[0] as HubEvent)
    // The encoded bytes of all 150 are a few kilobytes: only the topics push the bound.
    expect(events.reduce((sum, e) => sum + e.bytes.byteLength, 0)).toBeLessThan(maxBytes / 100)
    expect(perEvent).toBeGreaterThan(1000 * 30)
    expect(history.bytes).toBeLessThanOrEqual(maxBytes)
    expect(history.size).toBe(Math.floor(maxBytes / perEvent))
    expect(history.all().at(-1)).toBe(events.at(-1))
  })

  it('counts the data string beside its encoded bytes', () => {
    const empty = storedBytes(event(1))
    expect(storedBytes(event(1, { data: 'a'.repeat(1000) })) - empty).toBe(1000 + 1000)
  })

  it('counts characters past U+00FF at two bytes, as the engine stores them', () => {
    const latin1 = storedBytes(event(1, { data: 'é'.repeat(100) }))
    const wide = storedBytes(event(1, { data: '☃'.repeat(100) }))
    // UTF-8: 2 bytes for é, 3 for ☃; in memory: 1 and 2.
    expect(wide - latin1).toBe(100 + 100)
  })

  it('keeps its count of bytes equal to what the kept events take', () => {
    const history = new History(5, 1_000_000)
    for (let seq = 1; seq <= 12; seq++) {
      history.append(event(seq, { data: 'x'.repeat(seq * 10), topics: manyTopics(seq, seq) }))
    }
    const kept = history.all()
    expect(kept.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12])
    expect(history.bytes).toBe(kept.reduce((sum, e) => sum + storedBytes(e), 0))
  })

  it('lets go of an evicted event', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const history = new History(2, 1_000_000)
    const evicted = (() => {
      const first = event(1, { data: 'x'.repeat(1000) })
      history.append(first)
      return new WeakRef(first)
    })()
    history.append(event(2))
    history.append(event(3))
    // A WeakRef's target is held until the current job ends.
    await new Promise((resolve) => setImmediate(resolve))
    gc()
    expect(history.all().map((e) => e.seq)).toEqual([2, 3])
    expect(evicted.deref()).toBeUndefined()
  })

  it('keeps the newest event even when it alone is over the bound', () => {
    const history = new History(10, 100)
    history.append(event(1))
    history.append(event(2, { data: 'x'.repeat(500) }))
    expect(history.all().map((e) => e.seq)).toEqual([2])
  })
})
