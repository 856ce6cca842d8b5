/**
 * Authorization of the native API, `GET /events`, on Mercure's terms: the subscriber key, the
 * `mercure.subscribe` claim and the topic selectors, so that one token serves both APIs.
 */
import { SseError } from '../errors.js'
import type { EventsAccess, EventsAuthorizer } from '../http/events-auth.js'
import type { HubRequest } from '../http/types.js'
import { assertValidTopics } from '../hub/topic.js'
import { presentedToken } from '../mercure/credentials.js'
import type { ResolvedMercureOptions } from '../mercure/options.js'
import { splitSelectors } from '../mercure/selector.js'
import { assertClaimSelectors } from '../mercure/selector-limits.js'

/** Refused topics named in a 403's message, at most: the rest are counted. */
const NAMED_REFUSALS = 3

/** What the check is made of. */
export interface EventsAuthorizerConfig {
  /** The Mercure options (subscriber key, `anonymous`, cookie name, limits); `null`: none. */
  readonly mercure: ResolvedMercureOptions | null
  /** Selectors of the topics anyone may subscribe to, token or not. */
  readonly publicTopics: readonly string[]
  /** The embedder's check, in place of the token check; `null`: the token check. */
  readonly authorize: EventsAuthorizer | null
}

/**
 * The check `GET /events` makes, or `null` when every subscription is open.
 *
 * Topics matching a `publicTopics` selector need nothing. The rest go to the embedder's
 * `authorize` when there is one; otherwise, unless Mercure's `anonymous` is on (the default
 * without a subscriber key), to the token check: a JWS found as Mercure finds it
 * (`Authorization: Bearer`, else the `authorization` query parameter, else the cookie), signed
 * with the subscriber key, whose `mercure.subscribe` selectors match every one of them. The
 * stream ends at the token's `exp`. An allowed stream receives the private updates of the
 * topics it was allowed (unless the hook gives its own `privateTopics`); one of public topics
 * alone receives none.
 */
export function createEventsAuthorizer(config: EventsAuthorizerConfig): EventsAuthorizer | null {
  const { mercure, authorize } = config
  const tokenCheck = mercure === null || mercure.anonymous ? null : tokenAuthorizer(mercure)
  const check = authorize ?? tokenCheck
  if (check === null) return null
  const isPublic = topicMatcher(config.publicTopics)
  return async (request, topics) => {
    const guarded = isPublic === null ? topics : topics.filter((topic) => !isPublic(topic))
    if (guarded.length === 0) return true
    const access = await check(request, guarded)
    // Allowed the topics, allowed their private updates too, as Mercure gives a subscriber the
    // private updates of the topics its token names; unless the hook said otherwise.
    if (access === true) return { allow: true, privateTopics: guarded }
    if (typeof access !== 'object' || access === null || access.allow !== true) return access
    // Field by field, not spread: a spread copies own fields alone, and an `expiresAt` the
    // hook's object holds as a getter (a class's) would be lost, the stream left open past it.
    return {
      allow: true,
      expiresAt: access.expiresAt,
      privateTopics: access.privateTopics ?? guarded,
    }
  }
}

/**
 * `publicTopics` checked: topic selectors (exact topics, `*`, URI templates).
 *
 * @throws {TypeError} for anything but an array of valid topics.
 */
export function resolvePublicTopics(value: unknown): readonly string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError('`publicTopics` must be an array of topic selectors')
  }
  try {
    if (value.length > 0) assertValidTopics(value)
  } catch (error) {
    throw new TypeError(`\`publicTopics\`: ${(error as Error).message}`)
  }
  return [...value]
}

/** One function answering whether a topic matches any of `selectors`; `null` for none. */
function topicMatcher(selectors: readonly string[]): ((topic: string) => boolean) | null {
  if (selectors.length === 0) return null
  const split = splitSelectors(selectors)
  const exact = new Set(split.topics)
  const rules = split.matchesTopic
  return (topic) => exact.has(topic) || (rules?.(topic) ?? false)
}

function tokenAuthorizer(mercure: ResolvedMercureOptions): EventsAuthorizer {
  return async (request: HubRequest, topics: readonly string[]): Promise<EventsAccess> => {
    const presented = presentedToken(request, mercure.cookieName)
    if (presented === undefined) {
      throw new SseError(
        'ERR_SSE_UNAUTHORIZED',
        'subscribing to these topics needs a JWS: an `Authorization: Bearer` header, an `authorization` query parameter or a cookie',
      )
    }
    if (mercure.subscriber === null) {
      throw new SseError(
        'ERR_SSE_UNAUTHORIZED',
        'this hub has no subscriber JWT key, so it cannot check the JWS presented',
      )
    }
    const token = await mercure.subscriber.verify(presented.token)
    const allowed = token.mercure.subscribe ?? []
    assertClaimSelectors(allowed, 'mercure.subscribe', mercure.selectorLimits)
    // Every topic, not one as for a Mercure private update: an /events stream carries all the
    // events of its topics.
    const covers = topicMatcher(allowed)
    const refused = covers === null ? topics : topics.filter((topic) => !covers(topic))
    if (refused.length > 0) {
      const named = refused.slice(0, NAMED_REFUSALS).map((topic) => JSON.stringify(topic))
      const more = refused.length - named.length
      throw new SseError(
        'ERR_SSE_FORBIDDEN',
        `the JWS claim mercure.subscribe does not allow subscribing to ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
      )
    }
    return { allow: true, expiresAt: token.expiresAt }
  }
}
