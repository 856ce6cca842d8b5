/**
 * What a topic name may be.
 */
import { SseError } from '../errors.js'
import { DEFAULT_MAX_TOPIC_LENGTH } from './options.js'

// C0, DEL and C1: a topic or id is echoed into logs, URLs and headers, where they do harm
// (Mercure forbids the same set). A regular expression scans about twice as fast as a loop of
// charCodeAt, and this runs on every published event.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/

/** Whether `text` holds a C0 control character, DEL or a C1 control character. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text)
}

/**
 * Checks a list of topics: at least one, each a non-empty string of at most `maxLength`
 * characters without control characters.
 *
 * @param maxLength the hub's `maxTopicLength`.
 * @throws {SseError} `ERR_SSE_INVALID_TOPIC` saying which rule was broken.
 */
export function assertValidTopics(
  topics: readonly unknown[],
  maxLength: number = DEFAULT_MAX_TOPIC_LENGTH,
): asserts topics is readonly string[] {
  if (topics.length === 0)
    throw new SseError('ERR_SSE_INVALID_TOPIC', 'at least one `topic` is required')
  for (const topic of topics) {
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new SseError('ERR_SSE_INVALID_TOPIC', '`topic` must be a non-empty string')
    }
    if (topic.length > maxLength) {
      throw new SseError(
        'ERR_SSE_INVALID_TOPIC',
        `\`topic\` must be at most ${maxLength} characters, got ${topic.length}`,
      )
    }
    if (hasControlCharacter(topic)) {
      throw new SseError('ERR_SSE_INVALID_TOPIC', '`topic` must not contain control characters')
    }
  }
}
