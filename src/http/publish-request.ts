/**
 * Reads the body of `POST /publish` into events: JSON (one object or an array) or form fields.
 */
import { SseError } from '../errors.js'
import type { PublishInput } from '../hub/types.js'

/** The events a publish request carries, and whether it was a batch (a JSON array). */
export interface PublishRequest {
  readonly inputs: PublishInput[]
  readonly batch: boolean
}

const FIELDS = new Set(['topic', 'data', 'event', 'id', 'retry', 'key'])
// One decoder for every request: a non-streaming decode keeps no state between calls, and
// making a decoder costs more than decoding a small body.
const utf8 = new TextDecoder()

/**
 * Parses a publish body by its content type.
 *
 * JSON: `{ "topic": "a" | ["a","b"], "data": "…", "event"?, "id"?, "retry"?, "key"? }`, or an array of
 * those. Form (`application/x-www-form-urlencoded`): the same fields, `topic` repeatable.
 * Field values are checked for type here; their content (control characters, lengths, topics
 * an event) by the hub, for every publisher alike (`assertPublishable`).
 *
 * @param maxBatchEvents the app's `maxBatchEvents`.
 * @throws {SseError} `ERR_SSE_BAD_REQUEST` or `ERR_SSE_UNSUPPORTED_MEDIA_TYPE`.
 */
/** Default for `HubAppOptions.maxBatchEvents`: events in one batch publish. */
export const DEFAULT_MAX_BATCH_EVENTS = 10_000

export function parsePublishRequest(
  contentType: string | undefined,
  body: Uint8Array,
  maxBatchEvents: number = DEFAULT_MAX_BATCH_EVENTS,
): PublishRequest {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  const text = utf8.decode(body)
  if (mediaType === 'application/json') return fromJson(text, maxBatchEvents)
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { inputs: [fromForm(new URLSearchParams(text))], batch: false }
  }
  throw new SseError(
    'ERR_SSE_UNSUPPORTED_MEDIA_TYPE',
    `Content-Type must be application/json or application/x-www-form-urlencoded, got ${mediaType || 'none'}`,
  )
}

function fromJson(text: string, maxBatchEvents: number): PublishRequest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new SseError(
      'ERR_SSE_BAD_REQUEST',
      `the body is not valid JSON: ${(error as Error).message}`,
    )
  }
  if (!Array.isArray(value)) return { inputs: [fromJsonObject(value, '')], batch: false }
  if (value.length === 0 || value.length > maxBatchEvents) {
    throw new SseError(
      'ERR_SSE_BAD_REQUEST',
      `a batch must hold 1 to ${maxBatchEvents} events, got ${value.length}`,
    )
  }
  return {
    inputs: value.map((item, index) => fromJsonObject(item, `event ${index}: `)),
    batch: true,
  }
}

function fromJsonObject(value: unknown, where: string): PublishInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SseError('ERR_SSE_BAD_REQUEST', `${where}an event must be a JSON object`)
  }
  const fields = value as Record<string, unknown>
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key))
      throw new SseError('ERR_SSE_BAD_REQUEST', `${where}unknown field \`${key}\``)
  }
  const topic = fields.topic
  const topics = Array.isArray(topic) ? topic : topic === undefined ? [] : [topic]
  if (topics.length === 0)
    throw new SseError('ERR_SSE_BAD_REQUEST', `${where}\`topic\` is required`)
  if (!topics.every((t) => typeof t === 'string')) {
    throw new SseError(
      'ERR_SSE_BAD_REQUEST',
      `${where}\`topic\` must be a string or an array of strings`,
    )
  }
  const input: PublishInput = { topics: topics as string[] }
  for (const key of ['data', 'event', 'id', 'key'] as const) {
    const field = fields[key]
    if (field === undefined) continue
    if (typeof field !== 'string') {
      throw new SseError('ERR_SSE_BAD_REQUEST', `${where}\`${key}\` must be a string`)
    }
    input[key] = field
  }
  if (fields.retry !== undefined) input.retry = retryValue(fields.retry, where)
  return input
}

function fromForm(form: URLSearchParams): PublishInput {
  for (const key of form.keys()) {
    if (!FIELDS.has(key)) throw new SseError('ERR_SSE_BAD_REQUEST', `unknown field \`${key}\``)
  }
  const topics = form.getAll('topic')
  if (topics.length === 0) throw new SseError('ERR_SSE_BAD_REQUEST', '`topic` is required')
  const input: PublishInput = { topics }
  for (const key of ['data', 'event', 'id', 'key'] as const) {
    const field = form.get(key)
    if (field !== null) input[key] = field
  }
  const retry = form.get('retry')
  if (retry !== null) input.retry = retryValue(/^\d+$/.test(retry) ? Number(retry) : retry, '')
  return input
}

function retryValue(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  throw new SseError(
    'ERR_SSE_BAD_REQUEST',
    `${where}\`retry\` must be a non-negative integer of milliseconds, got ${JSON.stringify(value)}`,
  )
}
