/**
 * Event ids the hub makes when a publisher gives none: `urn:uuid:` + a UUIDv7.
 *
 * Why UUIDv7: the Mercure protocol asks for an IRI that is unique across hubs (a UUID is its
 * suggestion), and ids that increase let a client or an operator order events by id. A version 7 UUID is both: its first
 * 48 bits are the Unix time in ms, then a counter for ids made in the same ms (RFC 9562, 6.2,
 * method 1), then random bits. So ids sort by creation time, even across processes, to the ms.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-7
 */

/** Makes a new id each call, strictly increasing within this process. */
export type EventIdGenerator = () => string

const ID_PREFIX = 'urn:uuid:'
const COUNTER_MAX = 0xfff
// Two hex digits per byte value: an id is made per published event, and looking its 13 bytes
// up here costs a third of a Buffer copy and `toString('hex')` plus `toString(16)`/`padStart`.
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

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
      globalThis.crypto.getRandomValues(pool)
      poolOffset = 0
    }
    const r = poolOffset
    poolOffset += 8
    // 48 bits of ms: the top 16 by division (bit operators stop at 32 bits), the rest by shifts.
    const high = Math.floor(ms / 0x100000000)
    const low = ms >>> 0
    const hex = (byte: number) => HEX[byte & 0xff] as string
    return (
      `${ID_PREFIX}${hex(high >>> 8)}${hex(high)}${hex(low >>> 24)}${hex(low >>> 16)}` +
      `-${hex(low >>> 8)}${hex(low)}-7${(counter >>> 8).toString(16)}${hex(counter)}` +
      `-${hex(((pool[r] as number) & 0x3f) | 0x80)}${hex(pool[r + 1] as number)}` +
      `-${hex(pool[r + 2] as number)}${hex(pool[r + 3] as number)}${hex(pool[r + 4] as number)}` +
      `${hex(pool[r + 5] as number)}${hex(pool[r + 6] as number)}${hex(pool[r + 7] as number)}`
    )
  }
}
