/**
 * `ssehub serve`: run the hub server until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util'
import { listen } from '../adapters/node.js'
import { createHubApp } from '../http/app.js'
import { createHub } from '../hub/hub.js'
import { createJsonLogger } from '../logger.js'
import { MERCURE_FLAGS, MERCURE_HELP, mercureOptionsFrom } from './mercure-flags.js'
import { integerFlag, UsageError, usageErrors } from './usage-error.js'

export const SERVE_HELP = `Usage: ssehub serve [options]

Runs the hub: GET /events (the clock topic by default), POST /publish, GET /healthz, GET /,
and the Mercure endpoint /.well-known/mercure.

Options:
  --port <n>                 TCP port (env PORT; default 3000)
  --host <addr>              interface to bind (env HOST; default all)
  --heartbeat <seconds>      heartbeat comment period, 0 for none (default 15)
  --retry <ms>               retry: sent when a stream opens (default: none)
  --history-size <n>         events kept for replay (default 10000)
  --history-bytes <n>        bytes kept for replay (default 33554432)
  --max-buffered-bytes <n>   unsent bytes before a slow client is dropped (default 1048576)
  --cors-origins <list>      comma-separated origins, or * for any (default *)
  --publish-key <key>        bearer key POST /publish needs (env SSEHUB_PUBLISH_KEY;
                             default: none, publishing is open)
  --no-clock                 do not publish the clock topic
  -h, --help                 this help

${MERCURE_HELP}`

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  heartbeat: { type: 'string' },
  retry: { type: 'string' },
  'history-size': { type: 'string' },
  'history-bytes': { type: 'string' },
  'max-buffered-bytes': { type: 'string' },
  'cors-origins': { type: 'string' },
  'publish-key': { type: 'string' },
  'no-clock': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...MERCURE_FLAGS,
} as const

const INT_MAX = Number.MAX_SAFE_INTEGER

/** Runs `serve`; resolves once the server is listening. */
export async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = usageErrors(() =>
    parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }),
  )
  if (values.help) return void process.stdout.write(SERVE_HELP)
  const port = integerFlag('port', values.port ?? env.PORT, { min: 0, max: 65_535 }) ?? 3000
  const heartbeatS = integerFlag('heartbeat', values.heartbeat, { min: 0, max: 86_400 })
  const corsList = values['cors-origins']
  const corsOrigins =
    corsList === undefined || corsList === '*' ? '*' : corsList.split(',').map((o) => o.trim())
  if (corsOrigins !== '*' && corsOrigins.some((o) => o === '')) {
    throw new UsageError('--cors-origins must be * or a comma-separated list of origins')
  }
  const publishKey = values['publish-key'] ?? env.SSEHUB_PUBLISH_KEY
  if (publishKey === '') throw new UsageError('--publish-key must not be empty')
  const mercure = mercureOptionsFrom(values, env)
  const logger = createJsonLogger((line) => process.stderr.write(line))
  const hub = createHub({
    historySize: integerFlag('history-size', values['history-size'], { min: 0, max: INT_MAX }),
    historyBytes: integerFlag('history-bytes', values['history-bytes'], { min: 0, max: INT_MAX }),
    logger,
  })
  const app = createHubApp({
    hub,
    heartbeatMs: heartbeatS === undefined ? undefined : heartbeatS === 0 ? null : heartbeatS * 1000,
    retryMs: integerFlag('retry', values.retry, { min: 0, max: INT_MAX }),
    maxBufferedBytes: integerFlag('max-buffered-bytes', values['max-buffered-bytes'], {
      min: 1,
      max: INT_MAX,
    }),
    corsOrigins,
    publishKey: publishKey ?? null,
    clockIntervalMs: values['no-clock'] ? null : undefined,
    mercure,
    logger,
  })
  const running = await listen(app, { port, host: values.host ?? env.HOST })
  if (publishKey === undefined) {
    logger.warn(
      'publishing is open: anyone who reaches this server can POST /publish; set --publish-key or SSEHUB_PUBLISH_KEY',
    )
  }
  if (mercure !== null && (mercure.publisherJwtKey ?? mercure.jwtKey) === undefined) {
    logger.info('Mercure publishing is off: set --jwt-key or --publisher-jwt-key to turn it on')
  }
  logger.info('listening', { url: running.url, pid: process.pid })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) process.exit(1)
    stopping = true
    logger.info('shutting down', { signal, streams: app.stats().streams })
    running.close().then(() => {
      logger.info('stopped')
      process.exit(0)
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
