/**
 * The Mercure endpoint's options, their defaults, and the one place they are checked.
 */
import { DEFAULT_COOKIE_NAME } from './credentials.js'
import { createJwtVerifier, type JwtVerifier } from './jwt.js'
import { resolveSelectorLimits, type SelectorLimits } from './selector-limits.js'
import type { SubscriptionStore } from './subscriptions.js'

/** Default for the JWT algorithms: HMAC with SHA-256, as Mercure's own default. */
export const DEFAULT_JWT_ALGORITHM = 'HS256'

/** Options of the Mercure endpoint, `/.well-known/mercure`. `null` turns a feature off. */
export interface MercureOptions {
  /** The key of both publishers' and subscribers' tokens (a secret for `HS*`, else PEM). */
  jwtKey?: string | null | undefined
  /** The key of publishers' tokens; overrides `jwtKey`. None: publishing through Mercure is refused. */
  publisherJwtKey?: string | null | undefined
  /** The key of subscribers' tokens; overrides `jwtKey`. */
  subscriberJwtKey?: string | null | undefined
  /** Algorithm of both keys. @defaultValue {@link DEFAULT_JWT_ALGORITHM} */
  jwtAlgorithm?: string | undefined
  /** Algorithm of the publisher key; overrides `jwtAlgorithm`. */
  publisherJwtAlgorithm?: string | undefined
  /** Algorithm of the subscriber key; overrides `jwtAlgorithm`. */
  subscriberJwtAlgorithm?: string | undefined
  /**
   * Whether subscribers without a token are let in (to public updates only).
   * @defaultValue `true` when no subscriber key is set, `false` once one is
   */
  anonymous?: boolean | undefined
  /** Publish subscription events and serve the subscriptions API. @defaultValue false */
  subscriptions?: boolean | undefined
  /**
   * Where the active subscriptions are kept when several processes serve one hub, so that the
   * API lists them all: `ssehub serve --workers` passes the primary's, and on Redis
   * `RedisTransport.shareSubscriptions(subscriptionUpdates)` gives one.
   * @defaultValue this process's memory
   */
  subscriptionStore?: SubscriptionStore | undefined
  /** Name of the cookie holding a browser's token. @defaultValue `mercureAuthorization` */
  cookieName?: string | undefined
  /**
   * Adds `Link: <url>; rel="mercure"` (discovery) to every response; `null`: none.
   * @defaultValue null
   */
  discoveryUrl?: string | null | undefined
  /**
   * Most `topic` selectors one subscription may ask for; more is answered 400.
   * @defaultValue 64
   */
  maxSelectors?: number | undefined
  /**
   * Most selectors a JWS claim (`mercure.subscribe`, `mercure.publish`) may list; more is
   * answered 400.
   * @defaultValue 1024
   */
  maxClaimSelectors?: number | undefined
  /**
   * Longest URI template selector, from a query or a claim; longer is answered 400.
   * @defaultValue 1024
   */
  maxTemplateLength?: number | undefined
  /**
   * Most expressions (`{…}`) in one URI template selector; more is answered 400.
   * @defaultValue 16
   */
  maxTemplateExpressions?: number | undefined
}

/** {@link MercureOptions} checked, keys imported. */
export interface ResolvedMercureOptions {
  readonly publisher: JwtVerifier | null
  readonly subscriber: JwtVerifier | null
  readonly anonymous: boolean
  readonly subscriptions: boolean
  readonly subscriptionStore: SubscriptionStore | undefined
  readonly cookieName: string
  readonly discoveryUrl: string | null
  readonly selectorLimits: SelectorLimits
}

/**
 * Fills in defaults, checks every option and imports the keys.
 *
 * @throws {TypeError} naming the bad option and what it must be.
 */
export function resolveMercureOptions(options: MercureOptions = {}): ResolvedMercureOptions {
  const algorithm = options.jwtAlgorithm ?? DEFAULT_JWT_ALGORITHM
  const verifier = (role: string, key: string | null | undefined, alg: string | undefined) => {
    const chosen = key ?? options.jwtKey ?? null
    if (chosen === null) return null
    try {
      return createJwtVerifier(chosen, alg ?? algorithm)
    } catch (error) {
      throw new TypeError(`the ${role} JWT key: ${(error as Error).message}`)
    }
  }
  const publisher = verifier('publisher', options.publisherJwtKey, options.publisherJwtAlgorithm)
  const subscriber = verifier(
    'subscriber',
    options.subscriberJwtKey,
    options.subscriberJwtAlgorithm,
  )
  const cookieName = options.cookieName ?? DEFAULT_COOKIE_NAME
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    throw new TypeError('`cookieName` must be a cookie name (an RFC 6265 token)')
  }
  const discoveryUrl = options.discoveryUrl ?? null
  // It goes into a header of every response: visible ASCII only, as a URI is.
  if (discoveryUrl !== null && (discoveryUrl === '' || /[^\x21-\x7e]|[<>]/.test(discoveryUrl))) {
    throw new TypeError(
      '`discoveryUrl` must be a URL of visible ASCII characters without angle brackets (percent-encode the rest)',
    )
  }
  return {
    publisher,
    subscriber,
    anonymous: options.anonymous ?? subscriber === null,
    subscriptions: options.subscriptions ?? false,
    subscriptionStore: options.subscriptionStore,
    cookieName,
    discoveryUrl,
    selectorLimits: resolveSelectorLimits(options),
  }
}
