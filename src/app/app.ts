/**
 * The hub server's request handling, framework-neutral: routes, CORS, limits, shutdown.
 */
import { SseError } from '../errors.js'
import { bearerCredential } from '../http/bearer.js'
import { timingSafeEqual } from '../http/constant-time.js'
import { corsHeaders, preflightHeaders } from '../http/cors.js'
import { eventsRoute } from '../http/events-route.js'
import { HubCounters, type RefusalCounts, refusalOf } from '../http/metrics.js'
import { parsePublishRequest } from '../http/publish-request.js'
import { PUBLISH_KEY_HOLDERS, publisherKey, RateLimiter } from '../http/rate-limit.js'
import { errorFormatOf, errorResponse, jsonResponse, textResponse } from '../http/responses.js'
import type { HubRequest, HubResponse } from '../http/types.js'
import { createHub, type Hub } from '../hub/hub.js'
import type { PublishedEvent } from '../hub/types.js'
import { type Logger, silentLogger } from '../logger.js'
import { createMercureEndpoint, MERCURE_PATH } from '../mercure/endpoint.js'
import { resolveMercureOptions } from '../mercure/options.js'
import { SUBSCRIPTIONS_PATH } from '../mercure/subscriptions.js'
import { encodeEvent } from '../protocol/encode.js'
import { Heartbeat } from '../stream/heartbeat.js'
import { jittered } from '../stream/open-stream.js'
import type { SseStream } from '../stream/sse-stream.js'
import { StallWatch } from '../stream/stall-watch.js'
import { StreamSubscriptions } from '../stream/subscriptions.js'
import { CLIENT_SCRIPT_PATH, clientScriptHandler, readClientScript } from './client-script.js'
import { createEventsAuthorizer } from './events-authorizer.js'
import { type HubAppOptions, resolveHubAppOptions } from './options.js'

/** Counters an operator watches. */
export interface HubAppStats {
  /** Streams open now. */
  readonly streams: number
  /**
   * Subscriptions now: one per stream, open or being opened (the hub's own count is lower: the
   * streams of one topic share one hub subscriber).
   */
  readonly subscribers: number
  /** Streams closed since start for exceeding their unsent-bytes cap. */
  readonly overflows: number
  /** Streams cut since start because their client stopped reading (the write-stall limit). */
  readonly stalls: number
  /** The rest of {@link HubCounters}, since start. */
  readonly published: number
  readonly delivered: number
  readonly deliveredBytes: number
  readonly replays: number
  readonly replayGaps: number
  readonly refused: RefusalCounts
  /** Whether `/readyz` answers 200: the hub's store is reachable and the app is not draining. */
  readonly ready: boolean
}

/** The hub server's logic, for an adapter to serve. Create one with {@link createHubApp}. */
export interface HubApp {
  /** The hub behind the routes. */
  readonly hub: Hub
  /** Where the app logs (the `logger` option); an adapter logs its own events there too. */
  readonly logger: Logger
  /** Answers one request; never rejects (errors become responses). */
  handle(request: HubRequest): Promise<HubResponse>
  /** Current counters. */
  stats(): HubAppStats
  /**
   * What the app counts, for an adapter to add its own refusals to
   * (`app.counters.refuse('connections')`).
   */
  readonly counters: HubCounters
  /**
   * Starts draining: `/readyz` answers 503 from now on, so a load balancer stops sending new
   * clients, while everything else is served as before until {@link HubApp.close}.
   */
  drain(): void
  /**
   * Ends every stream with a `retry:` hint, stops the heartbeat, closes the hub.
   * The adapter stops accepting connections first.
   */
  close(): void
}

/**
 * Creates the hub server's logic: `GET /events`, `POST /publish`, `GET /healthz` (alive),
 * `GET /readyz` (ready for clients), `GET /metrics` (with the `metrics` option),
 * `GET /ssehub-client.js` (the browser client), the `pages` given, and the Mercure endpoint
 * `/.well-known/mercure` (subscribe, publish, subscriptions API).
 *
 * @throws {TypeError} for a bad option, naming it.
 * @example
 * const app = createHubApp({ publishKey: process.env.SSEHUB_PUBLISH_KEY })
 * const server = await listen(app, { port: 3000 }) // from 'ssehub/node'
 */
export function createHubApp(options: HubAppOptions = {}): HubApp {
  const resolved = resolveHubAppOptions(options)
  const mercureOptions = options.mercure === null ? null : resolveMercureOptions(options.mercure)
  const logger = options.logger ?? silentLogger
  const hub = options.hub ?? createHub({ logger })
  const heartbeat = resolved.heartbeatMs === null ? null : new Heartbeat(resolved.heartbeatMs)
  const openStreams = new Set<SseStream>()
  const stallWatch =
    resolved.writeStallMs === null ? null : new StallWatch(openStreams, resolved.writeStallMs)
  const publishKey =
    resolved.publishKey === null ? null : new TextEncoder().encode(resolved.publishKey)
  const publishLimiter =
    resolved.publishRate === null ? null : new RateLimiter(resolved.publishRate)
  const counters = new HubCounters()
  let draining = false
  const startedAt = Date.now()

  const subscriptions = new StreamSubscriptions(hub, counters)
  const streamContext = {
    hub,
    subscriptions,
    heartbeat,
    openStreams,
    retryMs: resolved.retryMs,
    retrySpreadMs: resolved.retrySpreadMs,
    maxBufferedBytes: resolved.maxBufferedBytes,
    logger,
    counters,
    onOverflow: () => {
      counters.overflows++
      logger.warn('closed a stream over its unsent-bytes cap', {
        maxBufferedBytes: resolved.maxBufferedBytes,
      })
    },
    onStall: () => {
      counters.stalls++
      logger.warn('cut a stream whose client stopped reading', {
        writeStallMs: resolved.writeStallMs,
      })
    },
  }
  const eventsContext = {
    ...streamContext,
    defaultTopic: resolved.defaultTopic,
    maxSubscriptionTopics: resolved.maxSubscriptionTopics,
    authorize: createEventsAuthorizer({
      mercure: mercureOptions,
      publicTopics: resolved.publicTopics,
      authorize: resolved.authorize,
    }),
  }
  const mercure =
    mercureOptions === null
      ? null
      : createMercureEndpoint(mercureOptions, {
          ...streamContext,
          maxPublishBytes: resolved.maxPublishBytes,
          corsOrigins: resolved.corsOrigins,
          publishLimiter,
          maxSubscriptionTopics: resolved.maxSubscriptionTopics,
        })
  const discoveryLink =
    mercureOptions?.discoveryUrl == null ? null : `<${mercureOptions.discoveryUrl}>; rel="mercure"`

  const authorizePublish = (request: HubRequest): void => {
    if (publishKey === null) return
    const given = new TextEncoder().encode(bearerCredential(request.header('authorization')) ?? '')
    if (!timingSafeEqual(given, publishKey)) {
      throw new SseError(
        'ERR_SSE_UNAUTHORIZED',
        'publishing needs `Authorization: Bearer <publish key>`',
      )
    }
  }

  const publish = async (request: HubRequest): Promise<HubResponse> => {
    authorizePublish(request)
    const publisher = publishLimiter?.take(
      publishKey === null ? publisherKey(request, undefined) : PUBLISH_KEY_HOLDERS,
    )
    const body = await request.body(resolved.maxPublishBytes)
    const contentType = request.header('content-type')
    const { inputs, batch } = parsePublishRequest(contentType, body, resolved.maxBatchEvents)
    if (publisher !== undefined) publishLimiter?.charge(publisher, inputs.length - 1)
    const published: PublishedEvent[] = await hub.publishBatch(inputs)
    counters.published += published.length
    if (batch) return jsonResponse(200, { ids: published.map((p) => p.id) })
    return textResponse(200, published[0]?.id ?? '')
  }

  const health = (): HubResponse =>
    jsonResponse(200, {
      status: 'ok',
      // Which process answered: with `--workers`, each serves its own connections.
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      streams: openStreams.size,
      subscribers: subscriptions.count,
      overflows: counters.overflows,
      stalls: counters.stalls,
      // Still 200 while Redis is away: streams stay open and heartbeats go on, and every node
      // shares the one Redis, so failing the check would take them all out of a balancer at once.
      store: hub.storeReachable ? 'reachable' : 'unreachable',
    })

  // Readiness, unlike liveness, follows the store: a balancer then sends new clients to a node
  // that can replay to them; the streams already open stay where they are.
  const isReady = () => !draining && hub.storeReachable
  const readiness = (): HubResponse =>
    jsonResponse(isReady() ? 200 : 503, {
      status: draining ? 'draining' : hub.storeReachable ? 'ready' : 'store unreachable',
      pid: process.pid,
    })

  type Handler = (request: HubRequest) => HubResponse | Promise<HubResponse>
  const routes = new Map<string, Record<string, Handler>>([
    ['/events', { GET: (request) => eventsRoute(request, eventsContext) }],
    ['/publish', { POST: publish }],
    ['/healthz', { GET: health }],
    ['/readyz', { GET: readiness }],
    [
      CLIENT_SCRIPT_PATH,
      {
        GET: clientScriptHandler(
          options.clientScript === undefined ? readClientScript() : options.clientScript,
        ),
      },
    ],
  ])
  for (const [path, html] of Object.entries(options.pages ?? {})) {
    const page = { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } }
    routes.set(path, { GET: () => ({ ...page, headers: { ...page.headers }, body: html }) })
  }
  if (mercure !== null) {
    routes.set(MERCURE_PATH, { GET: mercure.subscribe, POST: mercure.publish })
    routes.set(SUBSCRIPTIONS_PATH, { GET: mercure.subscriptions })
  }

  // Not async: `handle` awaits the result anyway, and a throw here lands in its `catch` just as a
  // rejection would; one promise and its ticks fewer per request.
  const route = (request: HubRequest): HubResponse | Promise<HubResponse> => {
    const path = request.url.pathname
    // One handler answers for every subscription resource below the collection.
    const handlers = routes.get(
      path.startsWith(`${SUBSCRIPTIONS_PATH}/`) ? SUBSCRIPTIONS_PATH : path,
    )
    if (handlers === undefined) throw new SseError('ERR_SSE_NOT_FOUND', `no route for ${path}`)
    if (request.method === 'OPTIONS') return { status: 204, headers: preflightHeaders(), body: '' }
    const handler = handlers[request.method]
    if (handler !== undefined) return handler(request)
    const allow = Object.keys(handlers).join(', ')
    const refused = new SseError(
      'ERR_SSE_METHOD_NOT_ALLOWED',
      `${request.method} is not allowed on ${path}; use ${allow}`,
    )
    const response = errorResponse(refused, errorFormatOf(path))
    response.headers.allow = allow
    return response
  }

  const app: HubApp = {
    hub,
    logger,
    async handle(request) {
      const cors = corsHeaders(resolved.corsOrigins, request.header('origin'))
      let response: HubResponse
      try {
        response = await route(request)
      } catch (error) {
        if (!(error instanceof SseError)) logger.error('request failed', { error: String(error) })
        const refusal = refusalOf(error)
        if (refusal !== undefined) counters.refuse(refusal)
        response = errorResponse(error, errorFormatOf(request.url.pathname))
      }
      Object.assign(response.headers, cors)
      if (discoveryLink !== null) response.headers.link = discoveryLink
      return response
    },
    stats: () => ({
      streams: openStreams.size,
      subscribers: subscriptions.count,
      overflows: counters.overflows,
      stalls: counters.stalls,
      published: counters.published,
      delivered: counters.delivered,
      deliveredBytes: counters.deliveredBytes,
      replays: counters.replays,
      replayGaps: counters.replayGaps,
      refused: counters.refused(),
      ready: isReady(),
    }),
    counters,
    drain() {
      draining = true
    },
    close() {
      draining = true
      heartbeat?.stop()
      stallWatch?.stop()
      for (const stream of openStreams) {
        const retry = jittered(resolved.shutdownRetryMs, resolved.retrySpreadMs)
        stream.close('server', encodeEvent({ retry }))
      }
      hub.close()
    },
  }
  // Made once the app is: what it renders reads the app's counters.
  const metrics = options.metrics?.(app) ?? null
  if (metrics !== null) {
    routes.set('/metrics', {
      GET: async () => {
        const body = await metrics.render()
        return { status: 200, headers: { 'content-type': metrics.contentType }, body }
      },
    })
  }
  return app
}
