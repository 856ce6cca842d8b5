/**
 * The server's options, their defaults, and the one place they are checked.
 */

import { type CorsOrigins, originProblem } from '../http/cors.js'
import type { EventsAuthorizer } from '../http/events-auth.js'
import type { MetricsEndpoint } from '../http/metrics.js'
import { DEFAULT_MAX_BATCH_EVENTS } from '../http/publish-request.js'
import type { Hub } from '../hub/hub.js'
import { nonNegativeInteger, positiveInteger, positiveIntegerOrNull } from '../hub/options.js'
import type { Logger } from '../logger.js'
import type { MercureOptions } from '../mercure/options.js'
import { DEFAULT_HEARTBEAT_MS } from '../stream/heartbeat.js'
import { DEFAULT_MAX_BUFFERED_BYTES } from '../stream/sse-stream.js'
import { DEFAULT_WRITE_STALL_MS } from '../stream/stall-watch.js'
import type { HubApp } from './app.js'
import { resolvePublicTopics } from './events-authorizer.js'

/** Default for {@link HubAppOptions.maxPublishBytes}: 1 MiB per publish request. */
export const DEFAULT_MAX_PUBLISH_BYTES = 1024 * 1024
/** Default for {@link HubAppOptions.shutdownRetryMs}: the `retry:` hint sent when shutting down. */
export const DEFAULT_SHUTDOWN_RETRY_MS = 1000
/** Default for {@link HubAppOptions.retryMs}: the `retry:` a stream opens with, before jitter. */
export const DEFAULT_RETRY_MS = 1000
/** Default for {@link HubAppOptions.retrySpreadMs}: each `retry:` is 0-2 s longer, at random. */
export const DEFAULT_RETRY_SPREAD_MS = 2000
/** Default for {@link HubAppOptions.maxSubscriptionTopics}: as many as one event may have. */
export const DEFAULT_MAX_SUBSCRIPTION_TOPICS = 64
export { DEFAULT_MAX_BATCH_EVENTS }

/** Options of {@link createHubApp}. `undefined` is the default, `null` turns a feature off. */
export interface HubAppOptions {
  /** The hub to serve. @defaultValue a new in-memory hub */
  hub?: Hub | undefined
  /** Heartbeat comment period; `null`: none. @defaultValue {@link DEFAULT_HEARTBEAT_MS} */
  heartbeatMs?: number | null | undefined
  /**
   * `retry:` sent when a stream opens, plus its jitter (`retrySpreadMs`); `null`: none, clients
   * keep their default. @defaultValue {@link DEFAULT_RETRY_MS}
   */
  retryMs?: number | null | undefined
  /**
   * Up to how much is added at random to each stream's `retry:` (at open and at shutdown), so
   * that after a restart the clients come back spread over this window; 0: no jitter.
   * @defaultValue {@link DEFAULT_RETRY_SPREAD_MS}
   */
  retrySpreadMs?: number | undefined
  /** `retry:` hint sent to every stream at shutdown, plus its jitter. @defaultValue {@link DEFAULT_SHUTDOWN_RETRY_MS} */
  shutdownRetryMs?: number | undefined
  /** Cap of unsent bytes per stream; `null`: none. @defaultValue {@link DEFAULT_MAX_BUFFERED_BYTES} */
  maxBufferedBytes?: number | null | undefined
  /**
   * A stream whose unsent bytes have not shrunk for this long is cut (its client stopped
   * reading); `null`: never. @defaultValue {@link DEFAULT_WRITE_STALL_MS}
   */
  writeStallMs?: number | null | undefined
  /** Largest publish request body. @defaultValue {@link DEFAULT_MAX_PUBLISH_BYTES} */
  maxPublishBytes?: number | undefined
  /** Origins allowed by CORS. @defaultValue `'*'` (any, `null` included) */
  corsOrigins?: CorsOrigins | undefined
  /** Bearer key `POST /publish` requires; `null`: publishing is open. @defaultValue null */
  publishKey?: string | null | undefined
  /**
   * The topic of `GET /events` without a `topic` parameter (the demo's clock); `null`: such a
   * request is refused with 400, naming the parameter. @defaultValue null
   */
  defaultTopic?: string | null | undefined
  /**
   * HTML pages to serve, by path (`{ '/': html }`): the demo wires its pages here. A path of a
   * route (`/events`, …) is taken by the route. @defaultValue none
   */
  pages?: Readonly<Record<string, string>> | undefined
  /**
   * The browser build of `ssehub/client` served at `GET /ssehub-client.js`; `null`: none (404).
   * @defaultValue the package's `dist/ssehub-client.js`, made by `npm run build`
   */
  clientScript?: string | Uint8Array | null | undefined
  /** Where the server logs. @defaultValue silent */
  logger?: Logger | undefined
  /**
   * Makes what `GET /metrics` answers with, given the app (whose `stats()` it may read);
   * `null`: no such route (404). @defaultValue null
   */
  metrics?: ((app: HubApp) => MetricsEndpoint) | null | undefined
  /** The Mercure endpoint's options; `null`: no Mercure endpoint. @defaultValue all defaults */
  mercure?: MercureOptions | null | undefined
  /**
   * Most topics one subscription may ask for (`topic` parameters of `GET /events`; Mercure's
   * selectors); more is refused with 400. @defaultValue {@link DEFAULT_MAX_SUBSCRIPTION_TOPICS}
   */
  maxSubscriptionTopics?: number | undefined
  /** Most events one batch publish may carry. @defaultValue {@link DEFAULT_MAX_BATCH_EVENTS} */
  maxBatchEvents?: number | undefined
  /**
   * Selectors (exact topics, `*`, URI templates) of the topics `GET /events` serves to anyone,
   * with no token, whatever the other authorization options say. @defaultValue none
   */
  publicTopics?: readonly string[] | undefined
  /**
   * Decides who may subscribe to what on `GET /events` (topics of `publicTopics` aside), in
   * place of the token check. Without it, once Mercure has a subscriber key (and `anonymous` is
   * not on), `GET /events` needs a JWS whose `mercure.subscribe` covers every topic asked for;
   * with it, the key and `anonymous` apply to Mercure's endpoint only. @defaultValue null
   */
  authorize?: EventsAuthorizer | null | undefined
  /**
   * Events a second each publisher may publish, on average (a publish key, a JWT's subject, else
   * a client address: an IPv4 one, an IPv6 /64); over it, 429 with `Retry-After`. A positive
   * number; `null`: no limit. @defaultValue null
   */
  publishRate?: number | null | undefined
  /**
   * Events a publisher may publish at once, after a quiet spell; needs `publishRate`.
   * @defaultValue `publishRate` rounded up: one second's worth
   */
  publishBurst?: number | undefined
}

/** {@link HubAppOptions} with defaults filled in (the hub and pages are left to the app). */
export interface ResolvedHubAppOptions {
  heartbeatMs: number | null
  retryMs: number | null
  retrySpreadMs: number
  shutdownRetryMs: number
  maxBufferedBytes: number | null
  writeStallMs: number | null
  maxPublishBytes: number
  corsOrigins: CorsOrigins
  publishKey: string | null
  defaultTopic: string | null
  maxSubscriptionTopics: number
  maxBatchEvents: number
  publicTopics: readonly string[]
  authorize: EventsAuthorizer | null
  /** `null`: no publish rate limit. */
  publishRate: { rate: number; burst: number } | null
}

/**
 * Fills in defaults and checks every option.
 *
 * @throws {TypeError} naming the bad option and what it must be.
 */
export function resolveHubAppOptions(options: HubAppOptions): ResolvedHubAppOptions {
  const corsOrigins = options.corsOrigins ?? '*'
  if (
    corsOrigins !== '*' &&
    !(Array.isArray(corsOrigins) && corsOrigins.every((o) => typeof o === 'string'))
  ) {
    throw new TypeError('`corsOrigins` must be "*" or an array of origins')
  }
  if (corsOrigins !== '*') {
    for (const origin of corsOrigins) {
      const problem = originProblem(origin)
      if (problem !== undefined) {
        throw new TypeError(`\`corsOrigins\` entry ${JSON.stringify(origin)} ${problem}`)
      }
    }
  }
  const publishKey = options.publishKey ?? null
  if (publishKey !== null && (typeof publishKey !== 'string' || publishKey.length === 0)) {
    throw new TypeError('`publishKey` must be a non-empty string or null')
  }
  const defaultTopic = options.defaultTopic ?? null
  if (defaultTopic !== null && (typeof defaultTopic !== 'string' || defaultTopic.length === 0)) {
    throw new TypeError('`defaultTopic` must be a non-empty string or null')
  }
  return {
    heartbeatMs: positiveIntegerOrNull('heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS),
    retryMs:
      options.retryMs === null
        ? null
        : nonNegativeInteger('retryMs', options.retryMs, DEFAULT_RETRY_MS),
    retrySpreadMs: nonNegativeInteger(
      'retrySpreadMs',
      options.retrySpreadMs,
      DEFAULT_RETRY_SPREAD_MS,
    ),
    shutdownRetryMs: nonNegativeInteger(
      'shutdownRetryMs',
      options.shutdownRetryMs,
      DEFAULT_SHUTDOWN_RETRY_MS,
    ),
    maxBufferedBytes: positiveIntegerOrNull(
      'maxBufferedBytes',
      options.maxBufferedBytes,
      DEFAULT_MAX_BUFFERED_BYTES,
    ),
    writeStallMs: positiveIntegerOrNull(
      'writeStallMs',
      options.writeStallMs,
      DEFAULT_WRITE_STALL_MS,
    ),
    maxPublishBytes: nonNegativeInteger(
      'maxPublishBytes',
      options.maxPublishBytes,
      DEFAULT_MAX_PUBLISH_BYTES,
    ),
    corsOrigins,
    publishKey,
    defaultTopic,
    maxSubscriptionTopics: positiveInteger(
      'maxSubscriptionTopics',
      options.maxSubscriptionTopics,
      DEFAULT_MAX_SUBSCRIPTION_TOPICS,
    ),
    maxBatchEvents: positiveInteger(
      'maxBatchEvents',
      options.maxBatchEvents,
      DEFAULT_MAX_BATCH_EVENTS,
    ),
    publicTopics: resolvePublicTopics(options.publicTopics),
    authorize: authorizeHook(options.authorize),
    publishRate: publishRate(options.publishRate, options.publishBurst),
  }
}

function publishRate(
  rate: number | null | undefined,
  burst: number | undefined,
): { rate: number; burst: number } | null {
  if (rate === undefined || rate === null) {
    if (burst !== undefined) throw new TypeError('`publishBurst` needs `publishRate`')
    return null
  }
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    throw new TypeError(`\`publishRate\` must be a positive number or null, got ${String(rate)}`)
  }
  return { rate, burst: positiveInteger('publishBurst', burst, Math.ceil(rate)) }
}

function authorizeHook(hook: EventsAuthorizer | null | undefined): EventsAuthorizer | null {
  if (hook === undefined || hook === null) return null
  if (typeof hook !== 'function') throw new TypeError('`authorize` must be a function or null')
  return hook
}
