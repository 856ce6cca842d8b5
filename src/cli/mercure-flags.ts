/**
 * `ssehub serve`'s Mercure flags, named as close to the Mercure hub's settings as flags allow.
 */
import type { MercureOptions } from '../mercure/options.js'
import type { FlagLabel } from './flag-layers.js'
import type { FlagTable } from './flags.js'
import { integerFlag, UsageError } from './usage-error.js'

/** The help lines of the Mercure flags. */
export const MERCURE_HELP = `Mercure (/.well-known/mercure):
  --jwt-key <key>            key of publishers' and subscribers' JWS: an HS* secret, or a PEM
                             public key for RS*/PS*/ES*/EdDSA (env SSEHUB_JWT_KEY)
  --publisher-jwt-key <key>  publishers' key alone (env SSEHUB_PUBLISHER_JWT_KEY)
  --subscriber-jwt-key <key> subscribers' key alone (env SSEHUB_SUBSCRIBER_JWT_KEY)
  --jwt-alg <alg>            algorithm of the keys: HS256 (default), RS256, ES256… (env SSEHUB_JWT_ALG)
  --publisher-jwt-alg <alg>  algorithm of the publishers' key alone
  --subscriber-jwt-alg <alg> algorithm of the subscribers' key alone
  --anonymous                let subscribers without a JWS in, to public updates (env
                             SSEHUB_ANONYMOUS=1; default: on without a subscriber key, else off)
  --subscriptions            publish subscription events, serve the subscriptions API
  --cookie-name <name>       cookie holding a browser's JWS (default mercureAuthorization)
  --discovery-url <url>      add Link: <url>; rel="mercure" to every response
  --max-selectors <n>        most topic selectors per subscription (default 64)
  --max-claim-selectors <n>  most selectors in a JWS claim mercure.subscribe/publish (default 1024)
  --max-template-length <n>  longest URI template selector, in characters (default 1024)
  --max-template-expressions <n>
                             most {expressions} in a URI template selector (default 16)
  --no-mercure               no Mercure endpoint
`

/** The flags, for `parseArgs`. */
export const MERCURE_FLAGS = {
  'jwt-key': { type: 'string', env: 'SSEHUB_JWT_KEY' },
  'publisher-jwt-key': { type: 'string', env: 'SSEHUB_PUBLISHER_JWT_KEY' },
  'subscriber-jwt-key': { type: 'string', env: 'SSEHUB_SUBSCRIBER_JWT_KEY' },
  'jwt-alg': { type: 'string', env: 'SSEHUB_JWT_ALG' },
  'publisher-jwt-alg': { type: 'string' },
  'subscriber-jwt-alg': { type: 'string' },
  anonymous: { type: 'boolean', env: 'SSEHUB_ANONYMOUS' },
  subscriptions: { type: 'boolean' },
  'cookie-name': { type: 'string' },
  'discovery-url': { type: 'string' },
  'max-selectors': { type: 'string' },
  'max-claim-selectors': { type: 'string' },
  'max-template-length': { type: 'string' },
  'max-template-expressions': { type: 'string' },
  'no-mercure': { type: 'boolean' },
} as const satisfies FlagTable

type Values = {
  [K in keyof typeof MERCURE_FLAGS]?: (typeof MERCURE_FLAGS)[K] extends { type: 'boolean' }
    ? boolean
    : string
}

/**
 * The Mercure options from the flags (environment and config file already layered in).
 *
 * @throws {UsageError} for an empty key or a bad limit, named by `label`.
 */
export function mercureOptionsFrom(values: Values, label: FlagLabel): MercureOptions | null {
  if (values['no-mercure']) return null
  const key = (flag: keyof Values & `${string}-key`) => {
    const value = values[flag]
    if (value === '') throw new UsageError(`${label(flag)} must not be empty`)
    return value
  }
  const limit = (flag: keyof Values) =>
    // Below a million, which no selector list comes near.
    integerFlag(flag, values[flag] as string | undefined, { min: 1, max: 1_000_000 }, label)
  return {
    jwtKey: key('jwt-key'),
    publisherJwtKey: key('publisher-jwt-key'),
    subscriberJwtKey: key('subscriber-jwt-key'),
    jwtAlgorithm: values['jwt-alg'],
    publisherJwtAlgorithm: values['publisher-jwt-alg'],
    subscriberJwtAlgorithm: values['subscriber-jwt-alg'],
    anonymous: values.anonymous,
    subscriptions: values.subscriptions,
    cookieName: values['cookie-name'],
    discoveryUrl: values['discovery-url'],
    maxSelectors: limit('max-selectors'),
    maxClaimSelectors: limit('max-claim-selectors'),
    maxTemplateLength: limit('max-template-length'),
    maxTemplateExpressions: limit('max-template-expressions'),
  }
}
