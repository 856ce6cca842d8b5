/**
 * How one event is laid out in the history file: its record, its id's index key, its size.
 *
 * A record is a small header, then JSON:
 * `[format 1 byte][time: float64 LE, ms][id length: uint32 LE][id, UTF-8][JSON fields]`.
 * The header comes first so that eviction reads an event's id and time without parsing the rest.
 * The wire bytes are not stored: they are encoded again from the fields when read back, as
 * Redis's entries are, so the file holds each payload once.
 */
import { createHash } from 'node:crypto'
import type { StoredEvent } from '../hub/hub-event.js'

/** The record layout this code writes and reads. */
export const RECORD_FORMAT = 1
const HEADER_BYTES = 1 + 8 + 4
/**
 * Ids longer than this are indexed by their SHA-256: LMDB keys stop near 2 KB. Counted in
 * UTF-16 units, so the check needs no encoding (a unit is at most 3 UTF-8 bytes).
 */
const MAX_PLAIN_ID_UNITS = 600
/** What an event's two numeric keys take: its seq, and the seq its index entry holds. */
const SEQ_KEYS_BYTES = 16

type Fields = [topics: string[], data: string, type: string | null, retry: number | null, p: 0 | 1]

/** An event's record. */
export function encodeRecord(event: StoredEvent, timeMs: number): Buffer {
  const fields: Fields = [
    [...event.topics],
    event.data,
    event.type ?? null,
    event.retry ?? null,
    event.private ? 1 : 0,
  ]
  const id = Buffer.from(event.id)
  const json = Buffer.from(JSON.stringify(fields))
  const record = Buffer.allocUnsafe(HEADER_BYTES + id.length + json.length)
  record[0] = RECORD_FORMAT
  record.writeDoubleLE(timeMs, 1)
  record.writeUInt32LE(id.length, 9)
  id.copy(record, HEADER_BYTES)
  json.copy(record, HEADER_BYTES + id.length)
  return record
}

/**
 * The id and time of a record, read from its header alone, and where its fields begin.
 * @throws {Error} for a record this code did not write.
 */
export function recordHeader(record: Uint8Array): { id: string; timeMs: number; end: number } {
  const buffer = asBuffer(record)
  if (buffer.length < HEADER_BYTES || buffer[0] !== RECORD_FORMAT) {
    throw new Error('not an ssehub event record')
  }
  const idEnd = HEADER_BYTES + buffer.readUInt32LE(9)
  if (idEnd > buffer.length) throw new Error('truncated event record')
  const id = buffer.toString('utf8', HEADER_BYTES, idEnd)
  return { id, timeMs: buffer.readDoubleLE(1), end: idEnd }
}

/** The event a record holds. @throws {Error} for a record this code did not write. */
export function decodeRecord(record: Uint8Array): StoredEvent & { timeMs: number } {
  const { id, timeMs, end } = recordHeader(record)
  const fields: unknown = JSON.parse(asBuffer(record).toString('utf8', end))
  if (!Array.isArray(fields) || fields.length !== 5) throw new Error('bad event record fields')
  const [topics, data, type, retry, isPrivate] = fields as Fields
  return {
    id,
    topics,
    data,
    type: type ?? undefined,
    retry: retry ?? undefined,
    private: isPrivate === 1,
    timeMs,
  }
}

/**
 * The key of `id` in the id index: the id itself, or for a long one a 0xFF byte and its
 * SHA-256 (no UTF-8 string has a 0xFF byte, so the two kinds never meet).
 */
export function indexKey(id: string): string | Buffer {
  if (id.length <= MAX_PLAIN_ID_UNITS) return id
  return Buffer.concat([Buffer.of(0xff), createHash('sha256').update(id).digest()])
}

/** Every byte stored for an event: its record, its index key, and the two seq numbers. */
export function storedBytes(record: Uint8Array, key: string | Buffer): number {
  const keyBytes = typeof key === 'string' ? Buffer.byteLength(key) : key.length
  return record.byteLength + keyBytes + SEQ_KEYS_BYTES
}

/**
 * The ms timestamp of an id the hub made (`urn:uuid:` + UUIDv7), or `undefined` for any other.
 */
export function uuidV7Time(id: string): number | undefined {
  const match = /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-/.exec(id)
  if (match === null) return undefined
  return Number.parseInt(`${match[1]}${match[2]}`, 16)
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}
