/**
 * Command-line parsing shared by the `ssehub` commands: bad input is a {@link UsageError}
 * (message, exit code 2), never a stack trace.
 */
import { redactUrl } from '../urls.js'

/** A mistake in the command line: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/**
 * Runs a `node:util` `parseArgs` call, turning its errors into {@link UsageError}s.
 *
 * @throws {UsageError} for an unknown flag, a missing value, or a stray argument.
 * @example
 * const { values } = usageErrors(() => parseArgs({ args, options, strict: true }))
 */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/**
 * `args` with each string option's value that begins with a dash joined to its flag
 * (`--jwt-key -----BEGIN…` becomes `--jwt-key=-----BEGIN…`), so that `parseArgs` takes it as the
 * value: by itself it refuses such a value as ambiguous, and a PEM key always begins with dashes.
 * A value that looks like a flag (`--port`, `-h`) is left alone, so a forgotten value is still
 * reported.
 *
 * @example
 * joinDashedValues(['--jwt-key', pem], { 'jwt-key': { type: 'string' } }) // ['--jwt-key=' + pem]
 */
export function joinDashedValues(
  args: readonly string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
): string[] {
  const joined: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const next = args[i + 1]
    if (arg === '--') {
      joined.push(...args.slice(i))
      break
    }
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (
      name !== undefined &&
      Object.hasOwn(options, name) &&
      options[name]?.type === 'string' &&
      next?.startsWith('-') &&
      !/^--?[A-Za-z]/.test(next)
    ) {
      joined.push(`${arg}=${next}`)
      i++
    } else {
      joined.push(arg)
    }
  }
  return joined
}

/**
 * Reads an integer flag and checks its range. `label` names where the value was given, for the
 * message: the flag (`--port`, the default), its environment variable (`PORT`), or its config
 * file key.
 *
 * @throws {UsageError} `--port must be an integer from 0 to 65535, got "x"`
 */
export function integerFlag(
  name: string,
  value: string | undefined,
  range: { min: number; max: number },
  label: (flag: string) => string = (flag) => `--${flag}`,
): number | undefined {
  if (value === undefined) return undefined
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(parsed >= range.min && parsed <= range.max)) {
    throw new UsageError(
      `${label(name)} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
    )
  }
  return parsed
}

/**
 * Checks a URL flag. A user or password in it is refused: `fetch` would refuse every request
 * (and say so quoting the URL, password and all); a hub takes a key or token in its own flag.
 *
 * @throws {UsageError} when it is not an http(s) URL, or holds a user or password.
 */
export function urlFlag(value: string): URL {
  // Shown without its credentials: the message may go to a shared terminal or a CI log.
  const shown = JSON.stringify(redactUrl(value))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got ${shown}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got ${shown}`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      `--url must not hold a user or password, got ${shown}: give a key or token in its own flag`,
    )
  }
  return url
}
