/**
 * `ssehub serve`: run the hub server until SIGTERM or SIGINT.
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { listen } from '../adapters/node.js'
import { createHubApp } from '../app/app.js'
import type { HubAppOptions } from '../app/options.js'
import { createIpcTransport } from '../cluster/ipc-transport.js'
import { isStopMessage } from '../cluster/messages.js'
import { servePrimaryState } from '../cluster/primary-state.js'
import { workerSubscriptionStore } from '../cluster/shared-subscriptions.js'
import { superviseWorkers, WORKER_INDEX_ENV, WorkerStartError } from '../cluster/supervisor.js'
import { CLOCK_TOPIC, startClock } from '../demo/clock.js'
import { DEMO_TOPICS, demoPages, startDemo } from '../demo/demo.js'
import { withSlowNetwork } from '../demo/slow-network.js'
import { SseError } from '../errors.js'
import { originProblem } from '../http/cors.js'
import { createHub } from '../hub/hub.js'
import { createMemoryTransport } from '../hub/memory-transport.js'
import type { HistoryLimits, HubOptions } from '../hub/options.js'
import type { Transport } from '../hub/transport.js'
import type { Logger } from '../logger.js'
import { resolveMercureOptions } from '../mercure/options.js'
import { subscriptionUpdates } from '../mercure/subscriptions.js'
import { DEFAULT_REDIS_STREAM, type RedisTransportOptions } from '../redis/options.js'
import type { RedisTransport } from '../redis/redis-transport.js'
import { redactUrl } from '../urls.js'
import { readConfigFile } from './config-file.js'
import { CONNECTION_FLAGS, CONNECTION_HELP, listenOptionsFrom } from './connection-flags.js'
import {
  EVENTS_AUTH_FLAGS,
  EVENTS_AUTH_HELP,
  eventsNeedToken,
  publicTopicsFrom,
} from './events-auth-flags.js'
import { type FlagLabel, layerFlags } from './flag-layers.js'
import type { FlagTable, FlagValues } from './flags.js'
import { createServerLogger, errorsOnly, LOG_LEVELS, logLevelFrom } from './log.js'
import { MERCURE_FLAGS, MERCURE_HELP, mercureOptionsFrom } from './mercure-flags.js'
import { effectiveConfig } from './print-config.js'
import { servePrimaryMetricsFor, serverMetrics } from './server-metrics.js'
import { TLS_FLAGS, TLS_HELP, tlsOptionsFrom } from './tls-flags.js'
import { integerFlag, joinDashedValues, UsageError, usageErrors } from './usage-error.js'
import { packageVersion } from './version.js'

export const SERVE_HELP = `Usage: ssehub serve [options]

Runs the hub: GET /events?topic=…, POST /publish, GET /healthz (alive), GET /readyz (ready
for clients), GET /metrics (Prometheus), and the Mercure endpoint /.well-known/mercure.

Options:
  --port <n>                 TCP port (env PORT; default 3000)
  --host <addr>              interface to bind (env HOST; default all)
  --heartbeat <seconds>      heartbeat comment period, 0 for none (default 15)
  --retry <ms>               retry: sent when a stream opens, before jitter (default 1000)
  --retry-spread <ms>        up to this much added at random to each stream's retry:, at open
                             and at shutdown, so clients come back spread out (default 2000)
  --write-stall <seconds>    cut a stream whose client has read nothing for this long,
                             0 for never (default 30)
  --history-size <n>         events kept for replay (default 10000)
  --history-bytes <n>        memory the kept events may take, in bytes (default 33554432)
  --history-file <path>      keep the history in this file (LMDB), so it survives a crash or
                             a restart; a publish is acknowledged once it is on disk
                             (env SSEHUB_HISTORY_FILE; default: none, in memory)
  --history-age <seconds>    with --history-file: oldest event kept (default: no bound)
  --max-buffered-bytes <n>   unsent bytes before a slow client is cut (default 1048576)
  --cors-origins <list>      comma-separated origins, each exactly as a browser sends it
                             (https://app.example:8443: no path, no trailing slash),
                             or * for any (default *)
  --publish-key <key>        bearer key POST /publish needs (env SSEHUB_PUBLISH_KEY;
                             default: none, publishing is open)
  --demo                     the demo (npm start): the pages at / and /console, the clock,
                             the metrics and stocks topics, all public; GET /events without a
                             topic streams the clock
  --clock                    publish "Server time is …" to the clock topic every second
                             (never kept in the history), make it public and the topic of GET
                             /events without one; without it (and --demo) such a request is a
                             400
  --no-clock                 no clock, even with --demo
  --max-event-topics <n>     topics one event may be published to (default 64)
  --max-topic-length <n>     characters of a topic (default 2048)
  --max-event-bytes <n>      bytes of one event, encoded (default 1048576)
  --max-batch-events <n>     events in one batch publish (default 10000)
  --max-subscription-topics <n>
                             topics one GET /events may ask for (default 64)
  --publish-rate <n>         events a second each publisher may publish: the publish key's
                             holders together, a JWT subject, else a client address
                             (default: no limit)
  --publish-burst <n>        events a publisher may publish at once (default: the rate)
  --workers <n>              processes serving connections, one hub state (env SSEHUB_WORKERS;
                             default: the number of cores); 1 runs in this process alone
  --drain-delay <seconds>    on SIGTERM, answer GET /readyz 503 for this long before
                             closing, so a load balancer stops sending clients (default 0)
  --log-level <level>        ${LOG_LEVELS.join(', ')} (env SSEHUB_LOG_LEVEL;
                             default info)
  --config <file>            read settings from this JSON file: each flag's name in camelCase,
                             {"historySize": 100, "subscriptions": true}; a flag, then its env
                             variable, overrides the file, which overrides the defaults
  --print-config             print the settings in effect (secrets redacted) and exit
  --version                  print the version and exit
  -h, --help                 this help

Scale-out (several nodes behind a load balancer, one Redis):
  --redis <url>              join the cluster on this Redis, redis://host:port[/db]
                             (env REDIS_URL; default: none, events stay in this process)
  --redis-stream <key>       stream the cluster shares (default ssehub:events)
  --redis-stream-max-len <n> entries kept for replay, about; 0 for no bound (default 10000)
  --redis-stream-max-age <s> seconds kept for replay; 0 for no bound (default 0)
  --redis-node-lease <s>     with --subscriptions: seconds a node that died keeps its
                             subscriptions before another ends them (default 10, at least 3)
  With --redis, --history-size, --history-bytes and --history-file do not apply.

${CONNECTION_HELP}
${TLS_HELP}
${MERCURE_HELP}
${EVENTS_AUTH_HELP}`

/**
 * The flags of `serve`, one entry each: the `parseArgs` spec, the environment variable, and (by
 * its camelCase name) the config file key. The help text must name each (a test checks).
 */
export const SERVE_FLAGS = {
  port: { type: 'string', env: 'PORT' },
  host: { type: 'string', env: 'HOST' },
  heartbeat: { type: 'string' },
  retry: { type: 'string' },
  'retry-spread': { type: 'string' },
  'write-stall': { type: 'string' },
  'history-size': { type: 'string' },
  'history-bytes': { type: 'string' },
  'history-file': { type: 'string', env: 'SSEHUB_HISTORY_FILE' },
  'history-age': { type: 'string' },
  'max-buffered-bytes': { type: 'string' },
  'cors-origins': { type: 'string' },
  'publish-key': { type: 'string', env: 'SSEHUB_PUBLISH_KEY' },
  'no-clock': { type: 'boolean' },
  clock: { type: 'boolean' },
  demo: { type: 'boolean' },
  'max-event-topics': { type: 'string' },
  'max-topic-length': { type: 'string' },
  'max-event-bytes': { type: 'string' },
  'max-batch-events': { type: 'string' },
  'max-subscription-topics': { type: 'string' },
  'publish-rate': { type: 'string' },
  'publish-burst': { type: 'string' },
  workers: { type: 'string', env: 'SSEHUB_WORKERS' },
  'drain-delay': { type: 'string' },
  'log-level': { type: 'string', env: 'SSEHUB_LOG_LEVEL' },
  redis: { type: 'string', env: 'REDIS_URL' },
  'redis-stream': { type: 'string' },
  'redis-stream-max-len': { type: 'string' },
  'redis-stream-max-age': { type: 'string' },
  'redis-node-lease': { type: 'string' },
  config: { type: 'string' },
  'print-config': { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...CONNECTION_FLAGS,
  ...TLS_FLAGS,
  ...MERCURE_FLAGS,
  ...EVENTS_AUTH_FLAGS,
} as const satisfies FlagTable

const INT_MAX = Number.MAX_SAFE_INTEGER
/** More workers than this is a typo, not a machine. */
const MAX_WORKERS = 1024

/** Runs `serve`; resolves once the server is listening. */
export async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values: given } = usageErrors(() =>
    parseArgs({
      args: joinDashedValues(args, SERVE_FLAGS),
      options: SERVE_FLAGS,
      allowPositionals: false,
      strict: true,
    }),
  )
  if (given.help) return void process.stdout.write(SERVE_HELP)
  if (given.version) return void process.stdout.write(`${packageVersion()}\n`)
  const file = given.config === undefined ? undefined : readConfigFile(given.config, SERVE_FLAGS)
  const layered = layerFlags(SERVE_FLAGS, given, env, file)
  const values = layered.values as ServeValues
  const { label } = layered
  const int = (name: keyof ServeValues, range: { min: number; max: number }) =>
    integerFlag(name, values[name] as string | undefined, range, label)
  const port = int('port', { min: 0, max: 65_535 }) ?? 3000
  const heartbeatS = int('heartbeat', { min: 0, max: 86_400 })
  const corsOrigins = corsOriginsFrom(values['cors-origins'], label)
  const publishKey = values['publish-key']
  if (publishKey === '') throw new UsageError(`${label('publish-key')} must not be empty`)
  const mercure = mercureOptionsFrom(values, label)
  // Checked here, once, so a bad key stops the command before any worker starts.
  if (mercure !== null) resolveMercureOptions(mercure)
  const publicTopics = publicTopicsFrom(values, label)
  const redis = redisConfig(values, label)
  const connections = listenOptionsFrom(values, label)
  const tls = tlsOptionsFrom(values, label)
  const history = {
    historySize: int('history-size', { min: 0, max: INT_MAX }),
    historyBytes: int('history-bytes', { min: 0, max: INT_MAX }),
  }
  const limits = limitFlags(values, label)
  const historyFile = historyFileConfig(values, label, history, redis !== undefined)
  const workers = int('workers', { min: 1, max: MAX_WORKERS }) ?? availableParallelism()
  const drainS = int('drain-delay', { min: 0, max: 3600 }) ?? 0
  const streams = {
    retryMs: int('retry', { min: 0, max: INT_MAX }),
    retrySpreadMs: int('retry-spread', { min: 0, max: INT_MAX }),
    writeStallMs: secondsOrOff(int('write-stall', { min: 0, max: 86_400 })),
    maxBufferedBytes: int('max-buffered-bytes', { min: 1, max: INT_MAX }),
  }
  const clock = (values.demo === true || values.clock === true) && values['no-clock'] !== true
  const logLevel = logLevelFrom(values['log-level'], label)
  if (values['print-config']) {
    // After every check: what it prints is a configuration that starts.
    process.stdout.write(`${JSON.stringify(effectiveConfig(SERVE_FLAGS, layered), null, 2)}\n`)
    return
  }
  const logger = createServerLogger(logLevel)
  const warnings = () => {
    if (publishKey === undefined) {
      logger.warn(
        'publishing is open: anyone who reaches this server can POST /publish; set --publish-key or SSEHUB_PUBLISH_KEY',
      )
    }
    if (mercure !== null && (mercure.publisherJwtKey ?? mercure.jwtKey) === undefined) {
      logger.info('Mercure publishing is off: set --jwt-key or --publisher-jwt-key to turn it on')
    }
    if (eventsNeedToken(mercure)) {
      logger.info(
        'GET /events needs a subscriber JWS covering its topics (open to all with --anonymous; some topics with --public-topic)',
      )
    }
  }

  if (workers > 1 && cluster.isPrimary) {
    // The primary holds the hub's state (unless Redis does) and supervises; workers serve.
    const stored =
      redis === undefined ? await localTransport(history, historyFile, logger) : undefined
    const state =
      stored === undefined ? null : servePrimaryState(stored, logger, subscriptionUpdates)
    servePrimaryMetricsFor(stored)
    let url: string
    try {
      url = await superviseWorkers({ count: workers, logger, state, drainMs: drainS * 1000 })
    } catch (error) {
      const report = error instanceof WorkerStartError ? error.report : undefined
      // The first failing worker's own words, once; they all failed alike.
      if (report !== undefined) process.stderr.write(report)
      else logger.error('could not start the workers', { error: (error as Error).message })
      process.exitCode = error instanceof WorkerStartError ? error.exitCode : 1
      return
    }
    warnings()
    // The workers' URL, with their scheme: the primary only sees the address they listen on.
    if (tls !== undefined) url = url.replace(/^http:/, 'https:')
    logger.info('listening', { url, pid: process.pid, workers })
    return
  }

  const worker = cluster.isWorker ? Number(env[WORKER_INDEX_ENV] ?? 0) : null
  // Every worker connects to Redis alike, and loses it alike: the first worker tells of it.
  const redisLogger = worker !== null && worker > 0 ? errorsOnly(logger) : logger
  const shared = redis !== undefined ? await connectRedis(redis, redisLogger) : undefined
  const ipc = redis === undefined && worker !== null ? createIpcTransport() : undefined
  const transport = shared ?? ipc ?? (await localTransport(history, historyFile, logger))
  const hub = createHub({ transport, logger, ...limits.hub })
  // Where other processes serve the same hub, the subscriptions API lists theirs as well.
  const subscriptionStore =
    mercure?.subscriptions !== true
      ? undefined
      : (shared?.shareSubscriptions(subscriptionUpdates, redis?.nodeLeaseMs) ??
        (ipc === undefined ? undefined : workerSubscriptionStore(ipc, logger)))
  const app = createHubApp({
    hub,
    heartbeatMs: secondsOrOff(heartbeatS),
    ...streams,
    corsOrigins,
    publishKey: publishKey ?? null,
    defaultTopic: clock ? CLOCK_TOPIC : null,
    pages: values.demo ? demoPages() : undefined,
    mercure: mercure === null ? null : { ...mercure, subscriptionStore },
    publicTopics: demoPublicTopics(publicTopics, values.demo === true, clock),
    logger,
    ...limits.app,
    metrics: serverMetrics(worker, ipc !== undefined),
  })
  // Each process runs its own (ephemeral) clock and demo topics, for its own streams.
  const stopDemo = values.demo
    ? startDemo(app, {
        clock,
        historySize: ipc === undefined ? () => hub.historyStats().events : undefined,
      })
    : clock
      ? startClock(hub, CLOCK_TOPIC, 1000)
      : () => {}
  const served = values.demo ? withSlowNetwork(app) : app
  const running = await listen(served, {
    port,
    host: values.host,
    ...connections,
    tls: tls ?? null,
  })
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
    stopDemo()
    app.drain()
    if (worker === null)
      logger.info('shutting down', { signal: reason, streams: app.stats().streams })
    const close = () =>
      running.close().then(() => {
        if (worker === null) logger.info('stopped')
        process.exit(0)
      })
    // Meanwhile clients are served as before: the balancer takes the node out on /readyz.
    if (drainS > 0) setTimeout(close, drainS * 1000)
    else close()
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

type ServeValues = FlagValues<typeof SERVE_FLAGS>

/**
 * The limits on publishes and subscriptions from the flags, checked at once (before any worker
 * starts); those not given are left to the options' defaults.
 *
 * @throws {UsageError} for a bad flag.
 */
function limitFlags(
  values: ServeValues,
  label: FlagLabel,
): { hub: HubOptions; app: HubAppOptions } {
  const count = (name: keyof ServeValues) =>
    integerFlag(name, values[name] as string | undefined, { min: 1, max: INT_MAX }, label)
  const publishRate = count('publish-rate')
  const publishBurst = count('publish-burst')
  if (publishBurst !== undefined && publishRate === undefined) {
    throw new UsageError('--publish-burst needs --publish-rate')
  }
  return {
    hub: {
      maxEventTopics: count('max-event-topics'),
      maxTopicLength: count('max-topic-length'),
      maxEventBytes: count('max-event-bytes'),
    },
    app: {
      maxBatchEvents: count('max-batch-events'),
      maxSubscriptionTopics: count('max-subscription-topics'),
      publishRate,
      publishBurst,
    },
  }
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
function redisConfig(values: ServeValues, label: FlagLabel): RedisConfig | undefined {
  const url = values.redis
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
    throw new UsageError(
      `${label('redis')} must be a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}`,
    )
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
  const maxLen = integerFlag(
    'redis-stream-max-len',
    values['redis-stream-max-len'],
    {
      min: 0,
      max: INT_MAX,
    },
    label,
  )
  const maxAgeS = integerFlag(
    'redis-stream-max-age',
    values['redis-stream-max-age'],
    {
      min: 0,
      max: INT_MAX / 1000,
    },
    label,
  )
  // Renewed every third of it, with replies awaited up to 2 s: shorter, a busy node could
  // be taken for dead.
  const leaseS = integerFlag(
    'redis-node-lease',
    values['redis-node-lease'],
    {
      min: 3,
      max: INT_MAX / 1000,
    },
    label,
  )
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

/** The history file's options from the flags, checked; `undefined` without one (in memory). */
type HistoryFileConfig = { path: string; historyAgeMs: number | null }

/**
 * Reads and checks `--history-file` and `--history-age`.
 *
 * @throws {UsageError} for a bad flag, one that needs `--history-file` without it, or a history
 *   file beside Redis.
 */
function historyFileConfig(
  values: ServeValues,
  label: FlagLabel,
  history: HistoryLimits,
  withRedis: boolean,
): HistoryFileConfig | undefined {
  const path = values['history-file']
  const ageS = integerFlag(
    'history-age',
    values['history-age'],
    { min: 1, max: INT_MAX / 1000 },
    label,
  )
  if (path === undefined) {
    if (ageS !== undefined) throw new UsageError('--history-age needs --history-file')
    return undefined
  }
  if (path === '') throw new UsageError('--history-file must not be empty')
  if (withRedis) {
    throw new UsageError(
      '--history-file cannot be used with --redis: the Redis stream is the history then (bound it with --redis-stream-max-len or --redis-stream-max-age)',
    )
  }
  if (history.historySize === 0) {
    throw new UsageError('--history-size must be at least 1 with --history-file')
  }
  return { path, historyAgeMs: ageS === undefined ? null : ageS * 1000 }
}

/**
 * The transport of a hub whose state is in this process: the history file if one is given (the
 * LMDB module is loaded only then), else memory.
 *
 * @throws {SseError} `ERR_SSE_TRANSPORT_UNAVAILABLE` when the file cannot be opened, or the
 *   optional package lmdb is not installed.
 */
async function localTransport(
  history: HistoryLimits,
  file: HistoryFileConfig | undefined,
  logger: Logger,
): Promise<Transport> {
  if (file === undefined) return createMemoryTransport(history)
  let lmdb: typeof import('../lmdb/lmdb-transport.js')
  try {
    lmdb = await import('../lmdb/lmdb-transport.js')
  } catch (error) {
    throw new SseError(
      'ERR_SSE_TRANSPORT_UNAVAILABLE',
      `--history-file needs the optional package lmdb, which cannot be loaded (${(error as Error).message}); install it with npm install lmdb`,
      { cause: error },
    )
  }
  const transport = await lmdb.createLmdbTransport({ ...history, ...file, logger })
  logger.info('keeping the history in a file', { path: file.path })
  return transport
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
    redis: redactUrl(config.url),
    stream: config.stream ?? DEFAULT_REDIS_STREAM,
  })
  return transport
}

/** A flag in seconds as milliseconds: `undefined` stays the default, 0 is off (`null`). */
function secondsOrOff(seconds: number | undefined): number | null | undefined {
  return seconds === undefined ? undefined : seconds === 0 ? null : seconds * 1000
}

/**
 * `--cors-origins`: `*` (the default), or a comma-separated list of exact origins.
 *
 * @throws {UsageError} naming the entry that is not an origin and how to write it.
 */
function corsOriginsFrom(list: string | undefined, label: FlagLabel): '*' | string[] {
  if (list === undefined || list.trim() === '*') return '*'
  const origins = list.split(',').map((o) => o.trim())
  for (const origin of origins) {
    if (origin === '' || origin === '*') {
      throw new UsageError(
        `${label('cors-origins')} must be * alone or a comma-separated list of origins, got ${JSON.stringify(list)}`,
      )
    }
    const problem = originProblem(origin)
    if (problem !== undefined) {
      throw new UsageError(`${label('cors-origins')}: ${JSON.stringify(origin)} ${problem}`)
    }
  }
  return origins
}

/**
 * The public topics with the demo's added: its page and the seed's page subscribe without a
 * token, even on a hub with a subscriber key.
 */
function demoPublicTopics(
  given: readonly string[] | undefined,
  demo: boolean,
  clock: boolean,
): string[] | undefined {
  const added = demo ? DEMO_TOPICS : clock ? [CLOCK_TOPIC] : []
  if (added.length === 0) return given === undefined ? undefined : [...given]
  return [...new Set([...(given ?? []), ...added])]
}
