/**
 * `ssehub serve --print-config`: the settings in effect, as a config file would hold them, with
 * secrets redacted so the output can be pasted into an issue or a log.
 */
import { redactCredentialParams, redactUrl } from '../urls.js'
import type { LayeredFlags } from './flag-layers.js'
import { COMMAND_FLAGS, configKeyOf, type FlagTable, isSecretFlag } from './flags.js'

/** What a secret's value is shown as. */
export const REDACTED = '[redacted]'

/**
 * The settings given, after precedence (flags, then environment, then file), as a JSON object
 * keyed as the config file is; a setting not shown takes its default. Keys are shown as
 * {@link REDACTED}, a password in a URL (`redis://:pw@host`, `?password=pw`) as `***`; whole
 * numbers as numbers.
 *
 * @example
 * effectiveConfig(OPTIONS, layered) // { port: 8080, publishKey: '[redacted]' }
 */
export function effectiveConfig(
  table: FlagTable,
  layered: Pick<LayeredFlags, 'values'>,
): Record<string, string | number | boolean | string[]> {
  const config: Record<string, string | number | boolean | string[]> = {}
  for (const [flag, spec] of Object.entries(table)) {
    const value = layered.values[flag]
    if (value === undefined || COMMAND_FLAGS.has(flag)) continue
    const key = configKeyOf(flag, spec)
    if (typeof value === 'boolean') config[key] = value
    else if (Array.isArray(value)) config[key] = value
    else if (isSecretFlag(flag, spec)) config[key] = REDACTED
    else if (/^\d{1,15}$/.test(value)) config[key] = Number(value)
    else config[key] = withoutPassword(value)
  }
  return config
}

/**
 * A URL with its password (and a user name standing alone, as a token) replaced by `***`, and
 * each query parameter named like a credential (ioredis reads `?password=`) too. A value with an
 * `@` that no URL parser reads credentials from (`redis://:pa/ss@db`, `user:pw@db`) is redacted
 * as text, up to its last `@`: better a path shown as `***@…` than a password shown.
 */
function withoutPassword(value: string): string {
  if (!value.includes('@') && !value.includes('?')) return value
  const url = URL.canParse(value) ? new URL(value) : undefined
  // With a second `@`, the password meant may run past the one the parser took (`:pw@a/b@db`).
  const parsedAll = value.indexOf('@') === value.lastIndexOf('@')
  if (url === undefined || (url.password === '' && url.username === '') || !parsedAll) {
    return redactUrl(value)
  }
  if (url.password !== '') url.password = '***'
  else url.username = '***'
  return redactCredentialParams(url.href)
}
