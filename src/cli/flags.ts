/**
 * The flag table of `ssehub serve`: one entry per flag, the `parseArgs` spec plus what the
 * environment variable and the config file key of the flag are, so that adding a flag is one
 * entry and it gets a config key, an environment variable and a place in `--print-config` at once.
 */

/**
 * One flag: its `parseArgs` spec, plus `env` (the environment variable that sets it, if any) and
 * `secret` (redacted by `--print-config`; by default, flags named `…-key`, `…password…`,
 * `…secret…` or `…token…` are).
 *
 * @example
 * { type: 'string', env: 'PORT' }
 */
export interface FlagSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  readonly env?: string
  readonly secret?: boolean
}

/** Flags by name (without the dashes). */
export type FlagTable = Readonly<Record<string, FlagSpec>>

/** The values of a table's flags, as `parseArgs` gives them: strings and booleans. */
export type FlagValues<T extends FlagTable> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string
}

/** Flags that steer the command itself, not the server: no config key, no environment. */
export const COMMAND_FLAGS: ReadonlySet<string> = new Set([
  'help',
  'version',
  'config',
  'print-config',
])

/**
 * The config file key of a flag: its name in camelCase (`history-size` is `historySize`).
 *
 * @example
 * configKeyOf('max-connections-per-ip') // 'maxConnectionsPerIp'
 */
export function configKeyOf(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

/** Whether `--print-config` hides a flag's value: marked secret, or a key. */
export function isSecretFlag(flag: string, spec: FlagSpec): boolean {
  return spec.secret ?? (flag.endsWith('-key') || /password|secret|token/.test(flag))
}
