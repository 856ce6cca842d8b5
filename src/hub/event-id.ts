/**
 * Event ids the hub makes when a publisher gives none: `urn:uuid:` + a UUIDv7.
 *
 * Why UUIDv7: the Mercure protocol asks for an IRI that is unique across hubs (a UUID is its
 * suggestion), and the seed's stream wants ids that increase. A version 7 UUID is both: its first
 * 48 bits are the Unix time in ms, then a counter for ids made in the same ms (RFC 9562, 6.2,
 * method 1), then random bits. So ids sort by creation time, even across processes, to the ms.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-7
 */
import { randomFillSync } from 'node:crypto'

/** Makes a new id each call, strictly increasing within this process. */
export type EventIdGenerator = () => string

const ID_PREFIX = 'urn:uuid:'
const COUNTER_MAX = 0xfff

/**
 * Creates a generator of `urn:uuid:<UUIDv7>` ids, monotonic within this process even when the
 * clock steps back (the last timestamp is reused and the counter goes on).
 *
 * @example
 * const nextId = createEventIdGenerator()
 * nextId() // 'urn:uuid:019ab3c4-5d6e-7000-8a1b-2c3d4e5f6a7b'
 */
export function createEventIdGenerator(now: () => number = Date.now): EventIdGenerator {
  let lastMs = -1
  let counter = 0
  // One call into the CSPRNG per 64 ids rather than per id.
  const pool = new Uint8Array(8 * 64)
  let poolOffset = pool.length
  return () => {
    let ms = now()
    if (ms > lastMs) {
      lastMs = ms
      counter = 0
    } else {
      ms = lastMs
      counter++
      if (counter > COUNTER_MAX) {
        // 4,096 ids in one ms: borrow the next ms rather than repeat an id.
        lastMs = ++ms
        counter = 0
      }
    }
    if (poolOffset === pool.length) {
      randomFillSync(pool)
      poolOffset = 0
    }
    const random = pool.subarray(poolOffset, poolOffset + 8)
    poolOffset += 8
    const hex = ms.toString(16).padStart(12, '0')
    const variant = ((random[0] ?? 0) & 0x3f) | 0x80
    const rest = Buffer.from(random.subarray(1)).toString('hex')
    return (
      `${ID_PREFIX}${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}` +
      `-${variant.toString(16)}${rest.slice(0, 2)}-${rest.slice(2, 14)}`
    )
  }
}
