/**
 * The hub's options, their defaults, and the one place they are checked.
 */
import type { EventIdGenerator } from './event-id.js'
import type { EventLimits } from './event-limits.js'
import type { Transport } from './transport.js'

/** Default for {@link HubOptions.historySize}: events kept for replay. */
export const DEFAULT_HISTORY_SIZE = 10_000
/** Default for {@link HubOptions.historyBytes}: memory the kept events may take (32 MiB). */
export const DEFAULT_HISTORY_BYTES = 32 * 1024 * 1024

/** Default for {@link HubOptions.maxEventTopics}: a canonical topic and its alternates. */
export const DEFAULT_MAX_EVENT_TOPICS = 64
/** Default for {@link HubOptions.maxTopicLength}, in UTF-16 code units. */
export const DEFAULT_MAX_TOPIC_LENGTH = 2048
/** Default for {@link HubOptions.maxIdLength}: a URN or URL id fits, with room. */
export const DEFAULT_MAX_ID_LENGTH = 256
/** Default for {@link HubOptions.maxEventTypeLength}. */
export const DEFAULT_MAX_EVENT_TYPE_LENGTH = 256
/** Default for {@link HubOptions.maxEventBytes}: 1 MiB, as the default publish body. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024

/**
 * How much a history keeps, the oldest events going first past either bound: the one options
 * type of every history kept by ssehub (in memory, in a file, and the `--history-*` flags).
 * `undefined` means the default.
 */
export interface HistoryLimits {
  /**
   * Most events kept for replay; 0 keeps none (a history file keeps at least 1).
   * @defaultValue {@link DEFAULT_HISTORY_SIZE}
   */
  historySize?: number | undefined
  /**
   * Most bytes the kept events may take, the newest kept even if it alone is larger. In memory:
   * each one's encoded bytes, its strings (data, id, type, every topic) and a fixed overhead
   * (`storedBytes` in `history.ts`); in a file: every byte stored for it (its record and its
   * id's index entry).
   * @defaultValue {@link DEFAULT_HISTORY_BYTES}
   */
  historyBytes?: number | undefined
}

/** Options of {@link createHub}. `undefined` means the default. */
export interface HubOptions extends HistoryLimits {
  /** Makes ids for events published without one. @defaultValue UUIDv7 in `urn:uuid:` form */
  generateId?: EventIdGenerator | undefined
  /**
   * Where events are stored and tailed; the hub closes it when it closes. `historySize`,
   * `historyBytes` and `generateId` belong to the default in-memory transport and cannot be combined with this one (a Redis
   * transport has its own retention and ids).
   * @defaultValue an in-memory transport (`createMemoryTransport`) with the options above
   */
  transport?: Transport | undefined
  /**
   * Most topics one event may be published to; more is refused (`ERR_SSE_INVALID_TOPIC`).
   * @defaultValue {@link DEFAULT_MAX_EVENT_TOPICS}
   */
  maxEventTopics?: number | undefined
  /**
   * Longest topic published to or subscribed to, in UTF-16 code units (`ERR_SSE_INVALID_TOPIC`).
   * @defaultValue {@link DEFAULT_MAX_TOPIC_LENGTH}
   */
  maxTopicLength?: number | undefined
  /**
   * Longest event `id` a publisher may give, in UTF-16 code units (`ERR_SSE_INVALID_ID`): ids
   * come back in `Last-Event-ID` headers and go into logs.
   * @defaultValue {@link DEFAULT_MAX_ID_LENGTH}
   */
  maxIdLength?: number | undefined
  /**
   * Longest `event` type, in UTF-16 code units (`ERR_SSE_INVALID_EVENT`).
   * @defaultValue {@link DEFAULT_MAX_EVENT_TYPE_LENGTH}
   */
  maxEventTypeLength?: number | undefined
  /**
   * Most bytes one event may take encoded, as subscribers receive it (`ERR_SSE_PAYLOAD_TOO_LARGE`;
   * an id the hub makes is not counted).
   * @defaultValue {@link DEFAULT_MAX_EVENT_BYTES}
   */
  maxEventBytes?: number | undefined
}

/** {@link HubOptions} with every default filled in. */
export interface ResolvedHubOptions {
  historySize: number
  historyBytes: number
  generateId: EventIdGenerator | undefined
  transport: Transport | undefined
  limits: EventLimits
}

/**
 * Fills in defaults and checks every option.
 *
 * @throws {TypeError} naming the bad option and what it must be, or the two that conflict.
 */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  if (options.transport !== undefined) {
    const memoryOnly = (['historySize', 'historyBytes', 'generateId'] as const).find(
      (name) => options[name] !== undefined,
    )
    if (memoryOnly !== undefined) {
      throw new TypeError(
        `\`${memoryOnly}\` and \`transport\` cannot be used together: \`${memoryOnly}\` is an option of the in-memory transport; set retention on the transport given`,
      )
    }
  }
  return {
    historySize: nonNegativeInteger('historySize', options.historySize, DEFAULT_HISTORY_SIZE),
    historyBytes: nonNegativeInteger('historyBytes', options.historyBytes, DEFAULT_HISTORY_BYTES),
    generateId: options.generateId,
    transport: options.transport,
    limits: {
      maxEventTopics: positiveInteger(
        'maxEventTopics',
        options.maxEventTopics,
        DEFAULT_MAX_EVENT_TOPICS,
      ),
      maxTopicLength: positiveInteger(
        'maxTopicLength',
        options.maxTopicLength,
        DEFAULT_MAX_TOPIC_LENGTH,
      ),
      maxIdLength: positiveInteger('maxIdLength', options.maxIdLength, DEFAULT_MAX_ID_LENGTH),
      maxEventTypeLength: positiveInteger(
        'maxEventTypeLength',
        options.maxEventTypeLength,
        DEFAULT_MAX_EVENT_TYPE_LENGTH,
      ),
      maxEventBytes: positiveInteger(
        'maxEventBytes',
        options.maxEventBytes,
        DEFAULT_MAX_EVENT_BYTES,
      ),
    },
  }
}

/**
 * Checks an option that is a positive integer, or gives its default when it is `undefined`.
 *
 * @throws {TypeError} `` `name` must be a positive integer, got … ``
 */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`\`${name}\` must be a positive integer, got ${String(value)}`)
  }
  return value
}

/**
 * Checks an integer option, or gives its default when it is `undefined`.
 *
 * @throws {TypeError} `` `name` must be a non-negative integer, got … ``
 */
export function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`\`${name}\` must be a non-negative integer, got ${String(value)}`)
  }
  return value
}

/**
 * Checks an option that is a positive integer, or `null` for "off"; `undefined` is `fallback`.
 *
 * @throws {TypeError} naming the option, for anything else (0 included).
 */
export function positiveIntegerOrNull(
  name: string,
  value: number | null | undefined,
  fallback: number | null,
): number | null {
  if (value === null) return null
  if (value === undefined) return fallback
  const checked = nonNegativeInteger(name, value, 0)
  if (checked === 0) throw new TypeError(`\`${name}\` must be a positive integer or null, got 0`)
  return checked
}
