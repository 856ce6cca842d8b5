/**
 * `ssehub serve --config <file>`: the flags as one JSON object, each flag's key its name in
 * camelCase (`--history-size 100` is `"historySize": 100`).
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { FileLayer } from './flag-layers.js'
import { COMMAND_FLAGS, configKeyOf, type FlagTable } from './flags.js'
import { UsageError } from './usage-error.js'

/** A config file larger than this is not one: refused before it is parsed. */
const MAX_CONFIG_BYTES = 1024 * 1024

/**
 * Reads a config file: a JSON object whose keys are flags in camelCase. A string flag takes a
 * string or a number (`"port": 3000`), a boolean flag `true` or `false`; the values are then
 * checked exactly as the flags' are, and a bad one is named by its key
 * (`ssehub.json: "historySize" must be an integer from 0 to …, got "-1"`).
 *
 * @throws {UsageError} when the file cannot be read, is not a JSON object, or has an unknown key
 *   or a value of the wrong type.
 */
export function readConfigFile(path: string, table: FlagTable): FileLayer {
  const name = basename(path)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`)
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new UsageError(`${name}: larger than ${MAX_CONFIG_BYTES} bytes; is it a config file?`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${name}: not valid JSON: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${name}: must be a JSON object of settings, such as {"port": 3000}`)
  }
  const flagOfKey = new Map<string, string>()
  for (const flag of Object.keys(table)) {
    if (!COMMAND_FLAGS.has(flag)) flagOfKey.set(configKeyOf(flag), flag)
  }
  const values: Record<string, string | boolean> = {}
  for (const [key, value] of Object.entries(parsed)) {
    const at = `${name}: ${JSON.stringify(key)}`
    const flag = flagOfKey.get(key)
    const spec = flag === undefined ? undefined : table[flag]
    if (flag === undefined || spec === undefined) {
      throw new UsageError(`${at} is not a setting${suggestion(key, flagOfKey)}`)
    }
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') {
        throw new UsageError(`${at} must be true or false, got ${JSON.stringify(value)}`)
      }
      values[flag] = value
    } else if (typeof value === 'string') {
      values[flag] = value
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      values[flag] = String(value)
    } else {
      throw new UsageError(`${at} must be a string or a number, got ${JSON.stringify(value)}`)
    }
  }
  return { values, label: (flag) => `${name}: ${JSON.stringify(configKeyOf(flag))}` }
}

/** `; did you mean "historySize"?` for a key that differs only in case or dashes. */
function suggestion(key: string, flagOfKey: ReadonlyMap<string, string>): string {
  const plain = (k: string) => k.toLowerCase().replace(/[-_]/g, '')
  for (const known of flagOfKey.keys()) {
    if (plain(known) === plain(key)) return `; did you mean ${JSON.stringify(known)}?`
  }
  return ' (ssehub serve --help lists them: each flag in camelCase)'
}
