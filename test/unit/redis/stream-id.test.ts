import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareStreamIds,
  eventIdFromStreamId,
  streamIdFromEventId,
} from '../../../src/redis/stream-id.js'

const uint64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
const streamId = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), uint64)
  .map(([ms, seq]) => `${ms}-${seq}`)

describe('stream ids', () => {
  it('order by milliseconds, then sequence, beyond 2^53', () => {
    expect(compareStreamIds('2-0', '10-0')).toBeLessThan(0)
    expect(compareStreamIds('5-9', '5-10')).toBeLessThan(0)
    expect(compareStreamIds('5-18446744073709551615', '5-18446744073709551614')).toBeGreaterThan(0)
    expect(compareStreamIds('7-1', '7-1')).toBe(0)
  })

  it('derive a UUIDv7 event id that leads back to the entry', () => {
    const id = eventIdFromStreamId('1700000000000-3')
    expect(id).toBe('urn:uuid:018bcfe5-6800-7000-8000-000000000003')
    expect(streamIdFromEventId(id)).toBe('1700000000000-3')
    fc.assert(
      fc.property(streamId, (entry) => {
        const derived = eventIdFromStreamId(entry)
        expect(derived).toMatch(
          /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        )
        expect(streamIdFromEventId(derived)).toBe(entry)
      }),
    )
  })

  it('derive event ids that sort as the stream entries do', () => {
    fc.assert(
      fc.property(streamId, streamId, (a, b) => {
        const byStream = Math.sign(compareStreamIds(a, b))
        const [x, y] = [eventIdFromStreamId(a), eventIdFromStreamId(b)]
        expect(Math.sign(x < y ? -1 : x > y ? 1 : 0)).toBe(byStream)
      }),
    )
  })

  it('find no entry in an id of another form', () => {
    expect(streamIdFromEventId('order-42')).toBeUndefined()
    expect(streamIdFromEventId('urn:uuid:018bcfe5-6800-4000-8000-000000000003')).toBeUndefined()
  })
})
