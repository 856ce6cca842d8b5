/**
 * The Mercure endpoint, `/.well-known/mercure`: subscribe, publish, and the subscriptions API.
 */
import { SseError } from '../errors.js'
import { headerValue } from '../http/header-value.js'
import { requestedLastEventId } from '../http/last-event-id.js'
import type { HubCounters } from '../http/metrics.js'
import { publisherKey, type RateLimiter } from '../http/rate-limit.js'
import { jsonResponse, textResponse } from '../http/responses.js'
import type { HubBodyResponse, HubRequest, HubStreamResponse } from '../http/types.js'
import { assertValidTopics } from '../hub/topic.js'
import type { HubEvent } from '../hub/types.js'
import { eventStreamHeaders } from '../stream/headers.js'
import { type StreamContext, subscribeStream } from '../stream/open-stream.js'
import { unrefTimer } from '../timers.js'
import { presentedToken } from './credentials.js'
import type { JwtVerifier, VerifiedToken } from './jwt.js'
import type { ResolvedMercureOptions } from './options.js'
import { parseMercureForm } from './publish-form.js'
import { anyMatches, matchesSelector, splitSelectors } from './selector.js'
import { assertClaimSelectors, assertQuerySelectors } from './selector-limits.js'
import { SubscriptionRegistry } from './subscriptions.js'

/** The path of the Mercure hub, fixed by the draft ("Discovery"). */
export const MERCURE_PATH = '/.well-known/mercure'

/** The reserved `Last-Event-ID` value asking for every kept event. */
const EARLIEST = 'earliest'

/** What the endpoint needs from the app beside its options. */
export interface MercureContext extends StreamContext {
  /** The app's counters: deliveries, and the events published here. */
  readonly counters: HubCounters
  /** Largest publish body. */
  readonly maxPublishBytes: number
  /** Origins allowed to publish with a cookie (CSRF), besides the hub's own. */
  readonly corsOrigins: '*' | readonly string[]
  /** The publish rate limit, shared with `POST /publish`; `null`: none. */
  readonly publishLimiter: RateLimiter | null
  /** Most topic selectors one subscription may give (the app's `maxSubscriptionTopics`). */
  readonly maxSubscriptionTopics: number
}

/** The endpoint's handlers. */
export interface MercureEndpoint {
  subscribe(request: HubRequest): Promise<HubStreamResponse>
  publish(request: HubRequest): Promise<HubBodyResponse>
  /** `GET /.well-known/mercure/subscriptions[/{topic}[/{subscriber}]]`. */
  subscriptions(request: HubRequest): Promise<HubBodyResponse>
}

/** Creates the Mercure endpoint over the app's hub. */
export function createMercureEndpoint(
  options: ResolvedMercureOptions,
  context: MercureContext,
): MercureEndpoint {
  const registry = options.subscriptions
    ? new SubscriptionRegistry(context.hub, context.logger, options.subscriptionStore)
    : null

  /** The request's token verified, or `undefined` when it presents none. */
  const verifiedToken = async (
    request: HubRequest,
    verifier: JwtVerifier | null,
    role: 'publisher' | 'subscriber',
  ): Promise<{ token: VerifiedToken; fromCookie: boolean } | undefined> => {
    const presented = presentedToken(request, options.cookieName)
    if (presented === undefined) return undefined
    if (verifier === null) {
      throw new SseError(
        'ERR_SSE_UNAUTHORIZED',
        `this hub has no ${role} JWT key, so it cannot check the JWS presented`,
      )
    }
    return {
      token: await verifier.verify(presented.token),
      fromCookie: presented.from === 'cookie',
    }
  }

  const subscribe = async (request: HubRequest): Promise<HubStreamResponse> => {
    const selectors = request.url.searchParams.getAll('topic')
    if (selectors.length === 0) {
      throw new SseError('ERR_SSE_BAD_REQUEST', 'at least one `topic` query parameter is required')
    }
    // Before anything is matched or subscribed: every publish pays for each selector's size.
    assertQuerySelectors(selectors, options.selectorLimits)
    assertValidTopics(selectors)
    const verified = await verifiedToken(request, options.subscriber, 'subscriber')
    if (verified === undefined && !options.anonymous) {
      throw new SseError(
        'ERR_SSE_UNAUTHORIZED',
        'subscribing needs a JWS: an `Authorization: Bearer` header, an `authorization` query parameter or a cookie',
      )
    }
    const allowed = verified?.token.mercure.subscribe ?? []
    assertClaimSelectors(allowed, 'mercure.subscribe', options.selectorLimits)
    // "To receive updates marked as `private`, a subscriber MUST prove that it is authorized for
    // at least one of the topics of this update" (draft, "Subscribers").
    const canReceivePrivate = (event: HubEvent) => anyMatches(allowed, event.topics)
    // "If both the `Last-Event-ID` HTTP header and the `lastEventID` query parameter are present,
    // the HTTP header MUST take precedence" (draft, "Reconciliation").
    const lastEventId = requestedLastEventId(request)
    const pending = await subscribeStream(
      context,
      { ...splitSelectors(selectors), canReceivePrivate },
      lastEventId,
    )
    const headers = eventStreamHeaders(request.httpVersionMajor)
    if (lastEventId !== undefined) {
      // "The value of the `Last-Event-ID` response header MUST be the ID of the event preceding
      // the first one sent to the subscriber, or the reserved value `earliest` if there is no
      // preceding event" (draft, "Reconciliation"). An id HTTP cannot carry (control
      // characters, spaces at an end) is left out rather than sent altered or failing the answer.
      const echoed = pending.historyGap ? EARLIEST : headerValue(lastEventId)
      if (echoed !== undefined) headers['last-event-id'] = echoed
    }
    if (request.url.searchParams.has('authorization'))
      headers['cache-control'] = 'private, no-cache, no-transform'
    return {
      status: 200,
      headers,
      start(sink) {
        const stream = pending.start(sink)
        const subscriberId = `urn:uuid:${globalThis.crypto.randomUUID()}`
        if (registry !== null && !stream.closed) {
          registry.add(subscriberId, selectors, verified?.token.mercure.payload)
          stream.onClose(() => registry.remove(subscriberId))
        }
        // "If the presented JWS contains an expiration time in the standard `exp` claim […],
        // the connection MUST be closed by the hub at that time" (draft, "Subscribers").
        const expiresAt = verified?.token.expiresAt
        if (expiresAt !== undefined) closeAt(expiresAt, () => stream.close('server'), stream)
      },
    }
  }

  const publish = async (request: HubRequest): Promise<HubBodyResponse> => {
    const verified = await verifiedToken(request, options.publisher, 'publisher')
    if (verified === undefined) {
      throw new SseError(
        'ERR_SSE_UNAUTHORIZED',
        options.publisher === null
          ? 'publishing through Mercure needs a publisher JWT key on the hub (--jwt-key or --publisher-jwt-key)'
          : 'publishing needs a JWS: an `Authorization: Bearer` header, an `authorization` query parameter or a cookie',
      )
    }
    if (verified.fromCookie) assertSameOrigin(request, context.corsOrigins)
    assertClaimSelectors(verified.token.mercure.publish, 'mercure.publish', options.selectorLimits)
    context.publishLimiter?.take(publisherKey(request, verified.token.subject))
    const body = await request.body(context.maxPublishBytes)
    const input = parseMercureForm(request.header('content-type'), body)
    // "If mercure.publish is not defined, or contains an empty array, then the publisher MUST
    // NOT be authorized to dispatch any update. Otherwise, the hub MUST check that every topics
    // of the update to dispatch matches at least one of the topic selectors contained in
    // mercure.publish" (draft, "Publishers").
    const allowed = verified.token.mercure.publish ?? []
    const refused = input.topics.filter((t) => !allowed.some((s) => matchesSelector(s, t)))
    if (refused.length > 0) {
      throw new SseError(
        'ERR_SSE_FORBIDDEN',
        `the JWS claim mercure.publish does not allow publishing to ${refused.map((t) => JSON.stringify(t)).join(', ')}`,
      )
    }
    const { id } = await context.hub.publish(input.topics, input)
    context.counters.published++
    return textResponse(200, id)
  }

  const subscriptions = async (request: HubRequest): Promise<HubBodyResponse> => {
    if (registry === null) {
      throw new SseError(
        'ERR_SSE_NOT_FOUND',
        'the subscriptions API is off on this hub (turn it on with --subscriptions)',
      )
    }
    const path = request.url.pathname
    const verified = await verifiedToken(request, options.subscriber, 'subscriber')
    if (verified === undefined) {
      throw new SseError('ERR_SSE_UNAUTHORIZED', 'the subscriptions API needs a subscriber JWS')
    }
    // "The requested URL MUST match at least one of the topic selectors provided in the
    // mercure.subscribe key of the JWS" (draft, "Subscription API").
    const allowed = verified.token.mercure.subscribe ?? []
    assertClaimSelectors(allowed, 'mercure.subscribe', options.selectorLimits)
    if (!anyMatches(allowed, [path])) {
      throw new SseError(
        'ERR_SSE_FORBIDDEN',
        `the JWS claim mercure.subscribe does not allow reading ${path}`,
      )
    }
    return jsonResponse(200, await registry.resource(path), {
      'content-type': 'application/ld+json; charset=utf-8',
    })
  }

  return { subscribe, publish, subscriptions }
}

/**
 * A publish authorized by a cookie must come from an allowed page: the draft ("Security
 * Considerations") says the hub "MUST mitigate" CSRF and "SHOULD use the `Origin` and `Referer`
 * HTTP headers […] If none of these headers are available, the hub SHOULD discard the request".
 */
function assertSameOrigin(request: HubRequest, corsOrigins: '*' | readonly string[]): void {
  const origin = request.header('origin') ?? refererOrigin(request.header('referer'))
  if (origin === undefined) {
    throw new SseError(
      'ERR_SSE_FORBIDDEN',
      'a publish authorized by a cookie needs an Origin or Referer header',
    )
  }
  const host = request.header('host')
  const own = host === undefined ? [] : [`http://${host}`, `https://${host}`]
  if (own.includes(origin) || (corsOrigins !== '*' && corsOrigins.includes(origin))) return
  throw new SseError(
    'ERR_SSE_FORBIDDEN',
    `a publish authorized by a cookie is refused from origin ${origin} (allow it with --cors-origins)`,
  )
}

/** Longest delay `setTimeout` takes; past it Node fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Runs `close` at `time` (ms since the epoch), unless the stream closes first. */
function closeAt(time: number, close: () => void, stream: { onClose(l: () => void): void }): void {
  let timer: ReturnType<typeof setTimeout>
  const wait = () => {
    const delay = time - Date.now()
    if (delay <= 0) return close()
    // A token may live longer than a timer can wait (24.8 days): wait in steps.
    timer = unrefTimer(setTimeout(wait, Math.min(delay, MAX_TIMER_MS)))
  }
  wait()
  stream.onClose(() => clearTimeout(timer))
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined
  try {
    return new URL(referer).origin
  } catch {
    return undefined
  }
}
