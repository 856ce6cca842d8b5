/**
 * Where each flag's value comes from: the command line, else its environment variable, else
 * the config file, else (left `undefined`) the default. Every value keeps a label naming its
 * source, so that a bad one is reported as the user wrote it: `--port`, `PORT`, or
 * `ssehub.json: "port"`.
 */
import { COMMAND_FLAGS, type FlagSpec, type FlagTable, isSecretFlag } from './flags.js'
import { UsageError } from './usage-error.js'

/** A flag's value, and the name of where it was given, for messages. */
export type FlagLabel = (flag: string) => string

/** The values of every flag after precedence, and where each came from. */
export interface LayeredFlags {
  readonly values: Record<string, string | boolean | undefined>
  /** `--port`, `PORT` or `ssehub.json: "port"`: where the flag's value was given. */
  readonly label: FlagLabel
  /** Which layer gave each flag that has a value. */
  readonly sources: ReadonlyMap<string, 'flag' | 'env' | 'file'>
}

/** Values read from a config file, with how to name each in a message. */
export interface FileLayer {
  readonly values: Record<string, string | boolean>
  readonly label: FlagLabel
}

/**
 * Layers the command line over the environment over the config file.
 *
 * An empty environment variable counts as unset (as a blank line in a `.env` or compose file
 * means), except for a secret's, which is refused: a key that was meant and came out empty
 * would otherwise leave the server open.
 *
 * @throws {UsageError} for a boolean variable that is not 1/0, true/false, yes/no or on/off, or
 *   an empty secret.
 */
export function layerFlags(
  table: FlagTable,
  cli: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  file: FileLayer | undefined,
): LayeredFlags {
  const values: Record<string, string | boolean | undefined> = {}
  const sources = new Map<string, 'flag' | 'env' | 'file'>()
  for (const [flag, spec] of Object.entries(table)) {
    const given = cli[flag]
    const fromEnv = envValue(flag, spec, env)
    const fromFile = COMMAND_FLAGS.has(flag) ? undefined : file?.values[flag]
    if (given !== undefined) sources.set(flag, 'flag')
    else if (fromEnv !== undefined) sources.set(flag, 'env')
    else if (fromFile !== undefined) sources.set(flag, 'file')
    values[flag] = given ?? fromEnv ?? fromFile
  }
  const label: FlagLabel = (flag) => {
    const source = sources.get(flag)
    if (source === 'env') return table[flag]?.env ?? `--${flag}`
    if (source === 'file' && file !== undefined) return file.label(flag)
    return `--${flag}`
  }
  return { values, label, sources }
}

function envValue(
  flag: string,
  spec: FlagSpec,
  env: NodeJS.ProcessEnv,
): string | boolean | undefined {
  if (spec.env === undefined) return undefined
  const value = env[spec.env]
  if (value === undefined) return undefined
  if (value === '') return isSecretFlag(flag, spec) ? '' : undefined
  if (spec.type === 'string') return value
  const lower = value.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true
  if (['0', 'false', 'no', 'off'].includes(lower)) return false
  throw new UsageError(`${spec.env} must be 1 or 0 (true or false), got ${JSON.stringify(value)}`)
}
