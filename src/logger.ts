/**
 * The logger ssehub writes to: the library never calls `console.*` itself.
 */

/** Structured fields logged beside a message. */
export type LogFields = Record<string, unknown>

/** Where the library reports what an operator may want to know. Default: {@link silentLogger}. */
export interface Logger {
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

/** Drops everything: the library's default. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
}

/**
 * Writes one JSON object per line (`{"time","level","msg",...fields}`), as the CLI and server do.
 *
 * @example
 * const logger = createJsonLogger((line) => process.stderr.write(line))
 */
export function createJsonLogger(write: (line: string) => void): Logger {
  const log = (level: string, msg: string, fields?: LogFields) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`)
  }
  return {
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  }
}
