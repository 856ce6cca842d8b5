/**
 * The version of the installed package, for `ssehub --version`.
 */
import { readFileSync } from 'node:fs'

/** `version` of the package.json beside `dist/` (the one npm installed with this file). */
export function packageVersion(): string {
  const path = new URL('../../package.json', import.meta.url)
  const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }
  return typeof version === 'string' ? version : 'unknown'
}
