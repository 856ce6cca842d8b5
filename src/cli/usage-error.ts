/**
 * Command-line parsing shared by the `ssehub` commands: bad input is a {@link UsageError}
 * (message, exit code 2), never a stack trace.
 */

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
 * Reads an integer flag (or its environment fallback) and checks its range.
 *
 * @throws {UsageError} `--port must be an integer from 0 to 65535, got "x"`
 */
export function integerFlag(
  name: string,
  value: string | undefined,
  range: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(parsed >= range.min && parsed <= range.max)) {
    throw new UsageError(
      `--${name} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
    )
  }
  return parsed
}

/**
 * Checks a URL flag.
 *
 * @throws {UsageError} when it is not an http(s) URL.
 */
export function urlFlag(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  return url
}
