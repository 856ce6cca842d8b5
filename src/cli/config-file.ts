/**
 * `ssehub serve --config <file>`: the flags as one JSON object, each flag's key its name in
 * camelCase (`--history-size 100` is `"historySize": 100`).
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { basename } from 'node:path'
import type { FileLayer } from './flag-layers.js'
import {
  COMMAND_FLAGS,
  configKeyOf,
  type FlagTable,
  type FlagValue,
  isSecretFlag,
} from './flags.js'
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
  let bytes: Buffer
  try {
    bytes = readAtMost(path, MAX_CONFIG_BYTES + 1)
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`)
  }
  if (bytes.byteLength > MAX_CONFIG_BYTES) {
    throw new UsageError(`${name}: larger than ${MAX_CONFIG_BYTES} bytes; is it a config file?`)
  }
  const text = bytes.toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${name}: not valid JSON: ${jsonProblem(error as Error)}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${name}: must be a JSON object of settings, such as {"port": 3000}`)
  }
  const flagOfKey = new Map<string, string>()
  for (const flag of Object.keys(table)) {
    if (!COMMAND_FLAGS.has(flag)) flagOfKey.set(configKeyOf(flag, table[flag]), flag)
  }
  const values: Record<string, FlagValue> = {}
  for (const [key, value] of Object.entries(parsed)) {
    const at = `${name}: ${JSON.stringify(key)}`
    const flag = flagOfKey.get(key)
    const spec = flag === undefined ? undefined : table[flag]
    if (flag === undefined || spec === undefined) {
      throw new UsageError(`${at} is not a setting${suggestion(key, flagOfKey)}`)
    }
    // A key's value is named by its type alone: the message may go to a shared log.
    const got = isSecretFlag(flag, spec) ? kindOf(value) : JSON.stringify(value)
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') {
        throw new UsageError(`${at} must be true or false, got ${got}`)
      }
      values[flag] = value
    } else if (spec.multiple === true && Array.isArray(value)) {
      if (!value.every((item) => typeof item === 'string')) {
        throw new UsageError(`${at} must be an array of strings, got ${got}`)
      }
      values[flag] = value
    } else if (spec.multiple === true && typeof value === 'string') {
      values[flag] = [value]
    } else if (typeof value === 'string') {
      values[flag] = value
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      values[flag] = String(value)
    } else {
      throw new UsageError(`${at} must be a string or a number, got ${got}`)
    }
  }
  return { values, label: (flag) => `${name}: ${JSON.stringify(configKeyOf(flag, table[flag]))}` }
}

/** `; did you mean "historySize"?` for a key that differs only in case or dashes. */
function suggestion(key: string, flagOfKey: ReadonlyMap<string, string>): string {
  const plain = (k: string) => k.toLowerCase().replace(/[-_]/g, '')
  for (const known of flagOfKey.keys()) {
    if (plain(known) === plain(key)) return `; did you mean ${JSON.stringify(known)}?`
  }
  return ' (ssehub serve --help lists them: each flag in camelCase)'
}

/**
 * What is wrong with a file `JSON.parse` refused, without the text around it: V8 quotes the
 * source near an unexpected token (`Unexpected token 's', ..."jwtKey": s3cr"...`), and the
 * source may be a key. Its other messages name only the grammar and a position.
 */
function jsonProblem(error: Error): string {
  return error.message.includes('"') ? 'an unexpected character' : error.message
}

/** A JSON value's kind, for a message that must not show the value. */
function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * Up to `limit` bytes of the file at `path`: never more, so a device or pipe given by mistake
 * (`--config /dev/zero`) is refused for its size rather than read until memory runs out.
 */
function readAtMost(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(limit)
    let length = 0
    while (length < limit) {
      const read = readSync(fd, buffer, length, limit - length, null)
      if (read === 0) break
      length += read
    }
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}
