/**
 * What the hub accepts in a publish: its limits, and the one check every published event passes,
 * whoever publishes it (HTTP, Mercure, the hub's API, another process through a transport).
 */
import { SseError } from '../errors.js'
import { assertValidEvent, encodedLength } from '../protocol/encode.js'
import { assertValidTopics, hasControlCharacter } from './topic.js'
import type { PublishInput } from './types.js'

/** The hub's limits on one published event; see `HubOptions` for each one's default. */
export interface EventLimits {
  /** Most topics one event may be published to. */
  readonly maxEventTopics: number
  /** Longest topic name, in UTF-16 code units, published to or subscribed to. */
  readonly maxTopicLength: number
  /** Longest `id`, in UTF-16 code units. */
  readonly maxIdLength: number
  /** Longest `event` type, in UTF-16 code units. */
  readonly maxEventTypeLength: number
  /** Most bytes the event may take encoded (a hub-made id not counted: about 50 more). */
  readonly maxEventBytes: number
}

// Every line of an encoded event but data's: `event: `, `id: `, `retry: ` (at most 16 digits),
// their line feeds and the blank line, with room to spare.
const FIXED_LINES_BYTES = 64
// A UTF-16 code unit is at most 3 bytes in UTF-8; a line break adds at most 7 (`\ndata: `).
const MAX_BYTES_PER_UNIT = 7

/** Longest conflation key ({@link PublishInput.key}), in UTF-16 code units. */
export const MAX_KEY_LENGTH = 256

/**
 * Checks one event before it is published: its fields as the encoder does, then the topics
 * (count, length, control characters), the id and type (control characters, length; an id must
 * also be well-formed UTF-16, or it could not come back as `Last-Event-ID`), the conflation key
 * (a non-empty string, length, control characters), and its encoded size.
 *
 * @param where prefixed to the message, to say which event of a batch failed.
 * @throws {SseError} `ERR_SSE_INVALID_TOPIC`, `ERR_SSE_INVALID_ID`, `ERR_SSE_INVALID_EVENT`,
 *   another encoder code, or `ERR_SSE_PAYLOAD_TOO_LARGE` for an event over `maxEventBytes`.
 */
export function assertPublishable(input: PublishInput, limits: EventLimits, where = ''): void {
  const { topics, id, event: type, data } = input
  try {
    if (!Array.isArray(topics)) {
      throw new SseError('ERR_SSE_INVALID_TOPIC', '`topics` must be an array of strings')
    }
    if (topics.length > limits.maxEventTopics) {
      throw new SseError(
        'ERR_SSE_TOO_MANY_TOPICS',
        `an event may be published to at most ${limits.maxEventTopics} topics, got ${topics.length}`,
      )
    }
    assertValidTopics(topics, limits.maxTopicLength)
    assertValidEvent(input)
    if (id !== undefined) assertValidId(id, limits.maxIdLength)
    if (type !== undefined) assertValidType(type, limits.maxEventTypeLength)
    if (input.key !== undefined) assertValidKey(input.key)
    const roughBytes =
      FIXED_LINES_BYTES +
      MAX_BYTES_PER_UNIT * ((data?.length ?? 0) + (id?.length ?? 0) + (type?.length ?? 0))
    // Measured only when the rough bound says it might be over: most events are far under.
    if (roughBytes > limits.maxEventBytes) {
      const bytes = encodedLength(input)
      if (bytes > limits.maxEventBytes) {
        throw new SseError(
          'ERR_SSE_PAYLOAD_TOO_LARGE',
          `an event may take at most ${limits.maxEventBytes} bytes encoded, got ${bytes}`,
        )
      }
    }
  } catch (error) {
    if (where === '' || !(error instanceof SseError)) throw error
    throw new SseError(error.code, `${where}${error.message}`)
  }
}

function assertValidId(id: string, maxLength: number): void {
  assertShortPlainText(id, 'id', 'ERR_SSE_INVALID_ID', maxLength)
  if (hasLoneSurrogate(id)) {
    throw new SseError(
      'ERR_SSE_INVALID_ID',
      '`id` must be well-formed Unicode (a lone surrogate cannot be sent back as Last-Event-ID)',
    )
  }
}

function assertValidKey(key: unknown): void {
  // A caller without types may pass anything; a number or object would pass the checks below
  // (`length` undefined, the regular expression testing its string form).
  if (typeof key !== 'string' || key === '') {
    throw new SseError('ERR_SSE_INVALID_EVENT', '`key` must be a non-empty string')
  }
  assertShortPlainText(key, 'key', 'ERR_SSE_INVALID_EVENT', MAX_KEY_LENGTH)
}

function assertValidType(type: string, maxLength: number): void {
  assertShortPlainText(type, 'event', 'ERR_SSE_INVALID_EVENT', maxLength)
}

// An id or type is echoed in headers and logs: bounded, and free of control characters.
function assertShortPlainText(
  value: string,
  field: string,
  code: 'ERR_SSE_INVALID_ID' | 'ERR_SSE_INVALID_EVENT',
  maxLength: number,
): void {
  if (value.length > maxLength) {
    throw new SseError(
      code,
      `\`${field}\` must be at most ${maxLength} characters, got ${value.length}`,
    )
  }
  if (hasControlCharacter(value)) {
    throw new SseError(
      code,
      `\`${field}\` must not contain control characters (U+0000-U+001F, U+007F-U+009F)`,
    )
  }
}

const SURROGATE = /[\ud800-\udfff]/

function hasLoneSurrogate(text: string): boolean {
  // Most ids hold no surrogate at all: one fast scan says so.
  if (!SURROGATE.test(text)) return false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0xd800 || code > 0xdfff) continue
    const next = text.charCodeAt(i + 1)
    if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true
    i++
  }
  return false
}
