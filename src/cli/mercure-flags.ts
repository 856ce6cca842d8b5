/**
 * `ssehub serve`'s Mercure flags, named as close to the Mercure hub's settings as flags allow.
 */
import type { MercureOptions } from '../mercure/options.js'
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
  'jwt-key': { type: 'string' },
  'publisher-jwt-key': { type: 'string' },
  'subscriber-jwt-key': { type: 'string' },
  'jwt-alg': { type: 'string' },
  'publisher-jwt-alg': { type: 'string' },
  'subscriber-jwt-alg': { type: 'string' },
  anonymous: { type: 'boolean' },
  subscriptions: { type: 'boolean' },
  'cookie-name': { type: 'string' },
  'discovery-url': { type: 'string' },
  'max-selectors': { type: 'string' },
  'max-claim-selectors': { type: 'string' },
  'max-template-length': { type: 'string' },
  'max-template-expressions': { type: 'string' },
  'no-mercure': { type: 'boolean' },
} as const

type Values = {
  [K in keyof typeof MERCURE_FLAGS]?: (typeof MERCURE_FLAGS)[K] extends { type: 'boolean' }
    ? boolean
    : string
}

/**
 * The Mercure options from flags, then environment variables.
 *
 * @throws {UsageError} for an empty key, a bad limit, a bad `SSEHUB_ANONYMOUS`, or a subscriber
 *   key with `--no-mercure`.
 */
export function mercureOptionsFrom(values: Values, env: NodeJS.ProcessEnv): MercureOptions | null {
  if (values['no-mercure']) {
    // The subscriber key also guards GET /events: dropping it silently would leave that open.
    if (
      (values['jwt-key'] ??
        env.SSEHUB_JWT_KEY ??
        values['subscriber-jwt-key'] ??
        env.SSEHUB_SUBSCRIBER_JWT_KEY) !== undefined
    ) {
      throw new UsageError(
        '--no-mercure drops the subscriber JWT key, and GET /events would be open to all: keep the Mercure endpoint, or give no key',
      )
    }
    return null
  }
  const key = (flag: string, value: string | undefined) => {
    if (value === '') throw new UsageError(`--${flag} must not be empty`)
    return value
  }
  return {
    jwtKey: key('jwt-key', values['jwt-key'] ?? env.SSEHUB_JWT_KEY),
    publisherJwtKey: key(
      'publisher-jwt-key',
      values['publisher-jwt-key'] ?? env.SSEHUB_PUBLISHER_JWT_KEY,
    ),
    subscriberJwtKey: key(
      'subscriber-jwt-key',
      values['subscriber-jwt-key'] ?? env.SSEHUB_SUBSCRIBER_JWT_KEY,
    ),
    jwtAlgorithm: values['jwt-alg'] ?? env.SSEHUB_JWT_ALG,
    publisherJwtAlgorithm: values['publisher-jwt-alg'],
    subscriberJwtAlgorithm: values['subscriber-jwt-alg'],
    anonymous:
      values.anonymous === true ? true : booleanEnv('SSEHUB_ANONYMOUS', env.SSEHUB_ANONYMOUS),
    subscriptions: values.subscriptions,
    cookieName: values['cookie-name'],
    discoveryUrl: values['discovery-url'],
    maxSelectors: limit('max-selectors', values['max-selectors']),
    maxClaimSelectors: limit('max-claim-selectors', values['max-claim-selectors']),
    maxTemplateLength: limit('max-template-length', values['max-template-length']),
    maxTemplateExpressions: limit('max-template-expressions', values['max-template-expressions']),
  }
}

/** A selector limit: below a million, which no selector list comes near. */
function limit(flag: string, value: string | undefined): number | undefined {
  return integerFlag(flag, value, { min: 1, max: 1_000_000 })
}

function booleanEnv(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true
  if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false
  throw new UsageError(`${name} must be 1 or 0 (true or false), got ${JSON.stringify(value)}`)
}
