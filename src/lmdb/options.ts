/**
 * The LMDB transport's options, their defaults, and the one place they are checked.
 */
import type { EventIdGenerator } from '../hub/event-id.js'
import {
  DEFAULT_HISTORY_BYTES,
  DEFAULT_HISTORY_SIZE,
  type HistoryLimits,
  nonNegativeInteger,
  positiveIntegerOrNull,
} from '../hub/options.js'
import type { Logger } from '../logger.js'

/**
 * When a publish is acknowledged:
 * - `'disk'`: once the storage device has it: LMDB syncs the file inside each commit, so an
 *   acknowledged event survives a power loss or a crash of the OS.
 * - `'process'`: once the OS has it: LMDB never syncs the file (its `noSync`), the OS writes it
 *   back when it likes. An acknowledged event survives the process being killed; a power loss or
 *   a crash of the OS can lose the latest events and, on a file system that does not keep the
 *   order of writes, damage the file. Several times cheaper per commit.
 */
export type LmdbDurability = 'disk' | 'process'

/** Default for {@link LmdbTransportOptions.durability}. */
export const DEFAULT_LMDB_DURABILITY: LmdbDurability = 'disk'

/** Options of `createLmdbTransport`. `undefined` is the default, `null` turns a bound off. */
export interface LmdbTransportOptions extends HistoryLimits {
  /**
   * The history file; LMDB keeps its lock file beside it (`<path>-lock`). Created if missing.
   * One process writes a file at a time: the last to open it.
   */
  path: string
  /** Oldest event kept, in ms; `null`: no age bound. @defaultValue null */
  historyAgeMs?: number | null | undefined
  /** When a publish is acknowledged. @defaultValue {@link DEFAULT_LMDB_DURABILITY} */
  durability?: LmdbDurability | undefined
  /**
   * Makes ids for events published without one. @defaultValue UUIDv7 in `urn:uuid:` form, never
   * below the newest id in the file, so ids go on increasing across restarts
   */
  generateId?: EventIdGenerator | undefined
  /** Where a failed write is reported. @defaultValue silent */
  logger?: Logger | undefined
  /** The clock events are timed by, for the age bound. @defaultValue `Date.now` */
  now?: (() => number) | undefined
}

/** {@link LmdbTransportOptions} with defaults filled in. */
export interface ResolvedLmdbTransportOptions {
  path: string
  historySize: number
  historyBytes: number
  historyAgeMs: number | null
  durability: LmdbDurability
}

/**
 * Fills in defaults and checks every option.
 *
 * @throws {TypeError} naming the bad option and what it must be.
 */
export function resolveLmdbTransportOptions(
  options: LmdbTransportOptions,
): ResolvedLmdbTransportOptions {
  const { path } = options
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new TypeError(`\`path\` must be a non-empty file path, got ${JSON.stringify(path)}`)
  }
  const durability = options.durability ?? DEFAULT_LMDB_DURABILITY
  if (durability !== 'disk' && durability !== 'process') {
    throw new TypeError(`\`durability\` must be 'disk' or 'process', got ${String(durability)}`)
  }
  return {
    path,
    historySize: positive('historySize', options.historySize, DEFAULT_HISTORY_SIZE),
    historyBytes: positive('historyBytes', options.historyBytes, DEFAULT_HISTORY_BYTES),
    historyAgeMs: positiveIntegerOrNull('historyAgeMs', options.historyAgeMs, null),
    durability,
  }
}

// A file that keeps nothing is a mistake: without a history, there is nothing to make durable.
function positive(name: string, value: number | undefined, fallback: number): number {
  const checked = nonNegativeInteger(name, value, fallback)
  if (checked === 0) throw new TypeError(`\`${name}\` must be a positive integer, got 0`)
  return checked
}
