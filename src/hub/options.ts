/**
 * The hub's options, their defaults, and the one place they are checked.
 */
import type { EventIdGenerator } from './event-id.js'

/** Default for {@link HubOptions.historySize}: events kept for replay. */
export const DEFAULT_HISTORY_SIZE = 10_000
/** Default for {@link HubOptions.historyBytes}: encoded bytes kept for replay (32 MiB). */
export const DEFAULT_HISTORY_BYTES = 32 * 1024 * 1024

/** Options of {@link createHub}. `undefined` means the default. */
export interface HubOptions {
  /** Most events kept for replay; 0 keeps none. @defaultValue {@link DEFAULT_HISTORY_SIZE} */
  historySize?: number | undefined
  /** Most encoded bytes kept for replay. @defaultValue {@link DEFAULT_HISTORY_BYTES} */
  historyBytes?: number | undefined
  /** Makes ids for events published without one. @defaultValue UUIDv7 in `urn:uuid:` form */
  generateId?: EventIdGenerator | undefined
}

/** {@link HubOptions} with every default filled in. */
export interface ResolvedHubOptions {
  historySize: number
  historyBytes: number
  generateId: EventIdGenerator | undefined
}

/**
 * Fills in defaults and checks every option.
 *
 * @throws {TypeError} naming the bad option and what it must be.
 */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  return {
    historySize: nonNegativeInteger('historySize', options.historySize, DEFAULT_HISTORY_SIZE),
    historyBytes: nonNegativeInteger('historyBytes', options.historyBytes, DEFAULT_HISTORY_BYTES),
    generateId: options.generateId,
  }
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
