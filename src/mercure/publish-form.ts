/**
 * Reads a Mercure publish request (`application/x-www-form-urlencoded`) into a hub event.
 */
import { SseError } from '../errors.js'
import { hasControlCharacter } from '../hub/topic.js'
import type { PublishInput } from '../hub/types.js'

/**
 * Parses the form of `POST /.well-known/mercure`. The Mercure draft ("Publication"):
 *
 * > The request **MUST** be encoded using the `application/x-www-form-urlencoded` format and
 * > contains the following name-value tuples: `topic` […] If this name is present several times,
 * > the first occurrence is considered to be the canonical IRI of the topic, and other ones are
 * > considered to be alternate IRIs. `data` (optional) […] `private` (optional): if this name is
 * > set, the update **MUST NOT** be dispatched to subscribers not authorized to receive it. […]
 * > `id` (optional) […] The provided ID **MUST NOT** start with the `#` character. […] `type`
 * > (optional): the SSE's `event` property […] `retry` (optional): the SSE's `retry` property.
 *
 * Other fields are ignored, as the reference hub does. Topics are checked by the hub.
 *
 * @throws {SseError} `ERR_SSE_UNSUPPORTED_MEDIA_TYPE` for another body type,
 *   `ERR_SSE_BAD_REQUEST` for a missing topic or a bad `id`, `type` or `retry`.
 */
export function parseMercureForm(contentType: string | undefined, body: Uint8Array): PublishInput {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new SseError(
      'ERR_SSE_UNSUPPORTED_MEDIA_TYPE',
      `Content-Type must be application/x-www-form-urlencoded, got ${mediaType || 'none'}`,
    )
  }
  const form = new URLSearchParams(new TextDecoder().decode(body))
  const topics = form.getAll('topic')
  if (topics.length === 0) throw new SseError('ERR_SSE_BAD_REQUEST', 'missing `topic` field')
  const input: PublishInput = { topics, data: form.get('data') ?? '' }
  if (form.has('private')) input.private = true
  const id = form.get('id')
  if (id !== null) {
    singleLine('id', id)
    if (id.startsWith('#')) {
      throw new SseError('ERR_SSE_BAD_REQUEST', 'the `id` field must not start with `#`')
    }
    if (id === '') throw new SseError('ERR_SSE_BAD_REQUEST', 'the `id` field must not be empty')
    input.id = id
  }
  const type = form.get('type')
  if (type !== null) {
    singleLine('type', type)
    input.event = type
  }
  const retry = form.get('retry')
  if (retry !== null) {
    if (!/^\d{1,15}$/.test(retry)) {
      throw new SseError(
        'ERR_SSE_BAD_REQUEST',
        `the \`retry\` field must be a non-negative integer of milliseconds, got ${JSON.stringify(retry)}`,
      )
    }
    input.retry = Number(retry)
  }
  return input
}

function singleLine(field: string, value: string): void {
  if (hasControlCharacter(value)) {
    throw new SseError(
      'ERR_SSE_BAD_REQUEST',
      `the \`${field}\` field must not contain control characters (CR, LF, NUL…)`,
    )
  }
}
