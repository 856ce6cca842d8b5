/**
 * Redis stream entry ids (`<ms>-<seq>`): their order, and the event ids the hub derives from them.
 *
 * Why derive: an event published without an id gets one made from its stream entry id, so ids
 * are unique across nodes, ordered exactly as the stream (the one global order every node
 * delivers in), and a `Last-Event-ID` leads back to its entry on any node with no look-up table.
 * The id is a UUIDv7 (`urn:uuid:`, as the in-memory hub makes): its 48-bit time is the entry's
 * milliseconds and its 74 counter bits (rand_a, rand_b; RFC 9562, 6.2, method 1) hold the
 * entry's sequence number, so ids sort as the stream does.
 *
 * @see https://redis.io/docs/latest/develop/data-types/streams/#entry-ids
 * @see https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-7
 */

/** The id before every entry: `XREAD` from it reads a stream from its start. */
export const STREAM_START = '0-0'

const ENTRY_ID = /^(\d{1,20})-(\d{1,20})$/
const DERIVED_ID =
  /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-7([0-9a-f]{3})-([89ab][0-9a-f]{3})-([0-9a-f]{12})$/
const RAND_B_BITS = 62n
const RAND_B_MASK = (1n << RAND_B_BITS) - 1n
const MAX_MS = 2 ** 48 - 1

/** Compares two decimal strings without leading zeros, as unsigned integers of any size. */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Orders two entry ids as Redis does: by milliseconds, then sequence. Strings, not numbers:
 * either part may exceed 2^53.
 */
export function compareStreamIds(a: string, b: string): number {
  const dashA = a.indexOf('-')
  const dashB = b.indexOf('-')
  return (
    compareDecimal(a.slice(0, dashA), b.slice(0, dashB)) ||
    compareDecimal(a.slice(dashA + 1), b.slice(dashB + 1))
  )
}

/** The milliseconds part of an entry id. */
export function streamIdMs(id: string): string {
  return id.slice(0, id.indexOf('-'))
}

/**
 * The event id the hub gives an event stored at entry `streamId`.
 *
 * @example
 * eventIdFromStreamId('1700000000000-3') // 'urn:uuid:018bcfe5-6800-7000-8000-000000000003'
 */
export function eventIdFromStreamId(streamId: string): string {
  const match = ENTRY_ID.exec(streamId)
  const ms = Number(match?.[1])
  if (match === null || !(ms <= MAX_MS)) throw new RangeError(`not a stream id: ${streamId}`)
  const seq = BigInt(match[2] as string)
  const hex = ms.toString(16).padStart(12, '0')
  const randA = (seq >> RAND_B_BITS).toString(16).padStart(3, '0')
  // The variant bits (10) lead the last 64 bits.
  const randB = ((2n << RAND_B_BITS) | (seq & RAND_B_MASK)).toString(16)
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8)}-7${randA}-${randB.slice(0, 4)}-${randB.slice(4)}`
}

/**
 * The entry id an event id would have been derived from, if it has that form. Any UUIDv7 has
 * it; the caller checks that the entry exists and holds no publisher id.
 */
export function streamIdFromEventId(eventId: string): string | undefined {
  const match = DERIVED_ID.exec(eventId)
  if (match === null) return undefined
  const [, timeHigh, timeLow, randA, randBHigh, randBLow] = match as unknown as string[]
  const ms = Number.parseInt(`${timeHigh}${timeLow}`, 16)
  const randB = BigInt(`0x${randBHigh}${randBLow}`) & RAND_B_MASK
  const seq = (BigInt(`0x${randA}`) << RAND_B_BITS) | randB
  // Redis sequence numbers are 64-bit: 10 of the 74 counter bits are always zero.
  if (seq >= 1n << 64n) return undefined
  return `${ms}-${seq}`
}
