/**
 * The server's log: JSON lines on stderr through `pino`, behind the library's {@link Logger}.
 */
import { pino } from 'pino'
import type { LogFields, Logger } from '../logger.js'
import { UsageError } from './usage-error.js'

/** The levels `--log-level` takes, most verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The level when neither `--log-level` nor `SSEHUB_LOG_LEVEL` says. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'

/**
 * The level asked for (`--log-level`, `SSEHUB_LOG_LEVEL` or the config file, as `label` names
 * it), else {@link DEFAULT_LOG_LEVEL}.
 *
 * @throws {UsageError} for a level not in {@link LOG_LEVELS}.
 */
export function logLevelFrom(
  given: string | undefined,
  label: (flag: string) => string = (flag) => `--${flag}`,
): LogLevel {
  if (given === undefined) return DEFAULT_LOG_LEVEL
  if (!(LOG_LEVELS as readonly string[]).includes(given)) {
    throw new UsageError(
      `${label('log-level')} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(given)}`,
    )
  }
  return given as LogLevel
}

/**
 * A {@link Logger} writing one JSON object per line to stderr, from `level` up:
 * `{"level":"warn","msg":"…",…fields,"time":"…","pid":…}`.
 *
 * The level as its name and the message before the fields keep a line readable by eye and by
 * `grep '"msg":"listening"'`; pino would put its time and bindings first and the message last,
 * so the time and pid come as fields, after the rest. Each line is written at once
 * (synchronously, one `write` under the pipe's atomic size), so the lines of the processes of
 * `--workers`, which share stderr, do not interleave, and none is lost to `process.exit`.
 */
export function createServerLogger(level: LogLevel): Logger {
  const log = pino(
    {
      level,
      base: null,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  )
  const line = (message: string, fields: LogFields | undefined) => ({
    msg: message,
    ...fields,
    time: new Date().toISOString(),
    pid: process.pid,
  })
  return {
    info: (message, fields) => {
      if (log.isLevelEnabled('info')) log.info(line(message, fields))
    },
    warn: (message, fields) => {
      if (log.isLevelEnabled('warn')) log.warn(line(message, fields))
    },
    error: (message, fields) => {
      if (log.isLevelEnabled('error')) log.error(line(message, fields))
    },
  }
}

/**
 * `logger` with its info and warning lines left out: for what every worker of `--workers` would
 * log alike (Redis joined, lost, back), logged by the first worker alone.
 */
export function errorsOnly(logger: Logger): Logger {
  return {
    info: () => {},
    warn: () => {},
    error: (message, fields) => logger.error(message, fields),
  }
}
