/**
 * `ssehub serve`: run the hub server until SIGTERM or SIGINT.
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { listen } from '../adapters/node.js'
import { createIpcTransport } from '../cluster/ipc-transport.js'
import { isStopMessage } from '../cluster/messages.js'
import { servePrimaryState } from '../cluster/primary-state.js'
import { workerSubscriptionStore } from '../cluster/shared-subscriptions.js'
import { superviseWorkers, WORKER_INDEX_ENV, WorkerStartError } from '../cluster/supervisor.js'
import { createHubApp } from '../http/app.js'
import { createHub } from '../hub/hub.js'
import { createMemoryTransport } from '../hub/memory-transport.js'
import { createJsonLogger, type Logger } from '../logger.js'
import { resolveMercureOptions } from '../mercure/options.js'
import { DEFAULT_REDIS_STREAM, type RedisTransportOptions } from '../redis/options.js'
import type { RedisTransport } from '../redis/redis-transport.js'
import { CONNECTION_FLAGS, CONNECTION_HELP, listenOptionsFrom } from './connection-flags.js'
import { MERCURE_FLAGS, MERCURE_HELP, mercureOptionsFrom } from './mercure-flags.js'
import { integerFlag, joinDashedValues, UsageError, usageErrors } from './usage-error.js'

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
  --workers <n>              processes serving connections, one hub state (env SSEHUB_WORKERS;
                             default: the number of cores); 1 runs in this process alone
  -h, --help                 this help

Scale-out (several nodes behind a load balancer, one Redis):
  --redis <url>              join the cluster on this Redis, redis://host:port[/db]
                             (env REDIS_URL; default: none, events stay in this process)
  --redis-stream <key>       stream the cluster shares (default ssehub:events)
  --redis-stream-max-len <n> entries kept for replay, about; 0 for no bound (default 10000)
  --redis-stream-max-age <s> seconds kept for replay; 0 for no bound (default 0)
  --redis-node-lease <s>     with --subscriptions: seconds a node that died keeps its
                             subscriptions before another ends them (default 10, at least 3)
  With --redis, --history-size and --history-bytes do not apply. Every node publishes
  the clock; run all but one with --no-clock.

${CONNECTION_HELP}
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
  workers: { type: 'string' },
  redis: { type: 'string' },
  'redis-stream': { type: 'string' },
  'redis-stream-max-len': { type: 'string' },
  'redis-stream-max-age': { type: 'string' },
  'redis-node-lease': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...CONNECTION_FLAGS,
  ...MERCURE_FLAGS,
} as const

const INT_MAX = Number.MAX_SAFE_INTEGER
/** More workers than this is a typo, not a machine. */
const MAX_WORKERS = 1024

/** Runs `serve`; resolves once the server is listening. */
export async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = usageErrors(() =>
    parseArgs({
      args: joinDashedValues(args, OPTIONS),
      options: OPTIONS,
      allowPositionals: false,
      strict: true,
    }),
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
  // Checked here, once, so a bad key stops the command before any worker starts.
  if (mercure !== null) resolveMercureOptions(mercure)
  const redis = redisConfig(values, env)
  const connections = listenOptionsFrom(values, env)
  const history = {
    historySize: integerFlag('history-size', values['history-size'], { min: 0, max: INT_MAX }),
    historyBytes: integerFlag('history-bytes', values['history-bytes'], { min: 0, max: INT_MAX }),
  }
  const workers =
    integerFlag('workers', values.workers ?? env.SSEHUB_WORKERS, { min: 1, max: MAX_WORKERS }) ??
    availableParallelism()
  const logger = createJsonLogger((line) => process.stderr.write(line))
  const warnings = () => {
    if (publishKey === undefined) {
      logger.warn(
        'publishing is open: anyone who reaches this server can POST /publish; set --publish-key or SSEHUB_PUBLISH_KEY',
      )
    }
    if (mercure !== null && (mercure.publisherJwtKey ?? mercure.jwtKey) === undefined) {
      logger.info('Mercure publishing is off: set --jwt-key or --publisher-jwt-key to turn it on')
    }
  }

  if (workers > 1 && cluster.isPrimary) {
    // The primary holds the hub's state (unless Redis does) and supervises; workers serve.
    const state =
      redis === undefined ? servePrimaryState(createMemoryTransport(history), logger) : null
    let url: string
    try {
      url = await superviseWorkers({ count: workers, logger, state })
    } catch (error) {
      // The worker has already said why on stderr.
      logger.error('could not start the workers', { error: (error as Error).message })
      process.exitCode = error instanceof WorkerStartError ? error.exitCode : 1
      return
    }
    warnings()
    logger.info('listening', { url, pid: process.pid, workers })
    return
  }

  const worker = cluster.isWorker ? Number(env[WORKER_INDEX_ENV] ?? 0) : null
  const shared = redis !== undefined ? await connectRedis(redis, logger) : undefined
  const ipc = redis === undefined && worker !== null ? createIpcTransport() : undefined
  const transport = shared ?? ipc ?? createMemoryTransport(history)
  const hub = createHub({ transport, logger })
  // Where other processes serve the same hub, the subscriptions API lists theirs as well.
  const subscriptionStore =
    mercure?.subscriptions !== true
      ? undefined
      : (shared?.shareSubscriptions(redis?.nodeLeaseMs) ??
        (ipc === undefined ? undefined : workerSubscriptionStore(ipc, logger)))
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
    // One clock for the whole process group: the first worker's.
    clockIntervalMs: values['no-clock'] || (worker !== null && worker > 0) ? null : undefined,
    mercure: mercure === null ? null : { ...mercure, subscriptionStore },
    logger,
  })
  const running = await listen(app, { port, host: values.host ?? env.HOST, ...connections })
  if (worker === null) {
    warnings()
    logger.info('listening', { url: running.url, pid: process.pid })
  } else {
    logger.info('worker listening', { worker, pid: process.pid })
  }
  let stopping = false
  const stop = (reason: string, escalate: boolean) => {
    if (stopping) {
      if (escalate) process.exit(1)
      return
    }
    stopping = true
    if (worker === null)
      logger.info('shutting down', { signal: reason, streams: app.stats().streams })
    running.close().then(() => {
      if (worker === null) logger.info('stopped')
      process.exit(0)
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM', true))
  process.on('SIGINT', () => stop('SIGINT', true))
  if (worker !== null) {
    // The primary asks by message, not by signal: a terminal's Ctrl-C already signals every
    // process of the group, and a second signal means "now".
    process.on('message', (message: unknown) => {
      if (isStopMessage(message)) stop('primary', false)
    })
    process.on('disconnect', () => stop('primary gone', false))
  }
}

type ServeValues = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string
}

/** Redis options from the flags, checked; `undefined` without `--redis` (in memory). */
type RedisConfig = Omit<RedisTransportOptions, 'logger'> & {
  url: string
  /** The lease of this node's Mercure subscriptions (`--redis-node-lease`). */
  nodeLeaseMs: number | undefined
}

/**
 * Reads and checks the Redis flags without connecting, so a bad one is a usage error at once,
 * before any worker starts.
 *
 * @throws {UsageError} for a bad flag, or one that needs `--redis` without it.
 */
function redisConfig(values: ServeValues, env: NodeJS.ProcessEnv): RedisConfig | undefined {
  const url = values.redis ?? (env.REDIS_URL === '' ? undefined : env.REDIS_URL)
  const redisFlags = [
    'redis-stream',
    'redis-stream-max-len',
    'redis-stream-max-age',
    'redis-node-lease',
  ] as const
  if (url === undefined) {
    const stray = redisFlags.find((name) => values[name] !== undefined)
    if (stray !== undefined) throw new UsageError(`--${stray} needs --redis (or REDIS_URL)`)
    return undefined
  }
  if (!/^rediss?:\/\/[^/]/.test(url)) {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`)
  }
  const memoryOnly = (['history-size', 'history-bytes'] as const).find(
    (n) => values[n] !== undefined,
  )
  if (memoryOnly !== undefined) {
    throw new UsageError(
      `--${memoryOnly} is for the in-memory hub; with --redis use --redis-stream-max-len or --redis-stream-max-age`,
    )
  }
  const stream = values['redis-stream']
  if (stream === '') throw new UsageError('--redis-stream must not be empty')
  const maxLen = integerFlag('redis-stream-max-len', values['redis-stream-max-len'], {
    min: 0,
    max: INT_MAX,
  })
  const maxAgeS = integerFlag('redis-stream-max-age', values['redis-stream-max-age'], {
    min: 0,
    max: INT_MAX / 1000,
  })
  // Renewed every third of it, with replies awaited up to 2 s: shorter, a busy node could
  // be taken for dead.
  const leaseS = integerFlag('redis-node-lease', values['redis-node-lease'], {
    min: 3,
    max: INT_MAX / 1000,
  })
  if (leaseS !== undefined && values.subscriptions !== true) {
    throw new UsageError('--redis-node-lease needs --subscriptions')
  }
  return {
    url,
    stream,
    maxLen: maxLen === 0 ? null : maxLen,
    maxAgeMs: maxAgeS === undefined || maxAgeS === 0 ? null : maxAgeS * 1000,
    nodeLeaseMs: leaseS === undefined ? undefined : leaseS * 1000,
  }
}

/**
 * Connects the Redis transport; the Redis module is loaded only then.
 *
 * @throws {SseError} `ERR_SSE_TRANSPORT_UNAVAILABLE` when Redis cannot be reached.
 */
async function connectRedis(config: RedisConfig, logger: Logger): Promise<RedisTransport> {
  const { createRedisTransport } = await import('../redis/redis-transport.js')
  const { nodeLeaseMs: _, ...options } = config
  const transport = await createRedisTransport({ ...options, logger })
  logger.info('joined the cluster on Redis', {
    redis: config.url.replace(/\/\/[^@/]*@/, '//***@'),
    stream: config.stream ?? DEFAULT_REDIS_STREAM,
  })
  return transport
}
