/**
 * `ssehub serve`'s flags for the authorization of `GET /events` (the key and `--anonymous` are
 * Mercure's, shared: one token serves both APIs).
 */
import type { MercureOptions } from '../mercure/options.js'
import type { FlagLabel } from './flag-layers.js'
import type { FlagTable } from './flags.js'
import { UsageError } from './usage-error.js'

/** The help lines of the flags. */
export const EVENTS_AUTH_HELP = `Authorization of GET /events (with --jwt-key or --subscriber-jwt-key, and without
--anonymous, a stream needs a subscriber JWS whose mercure.subscribe covers every topic):
  --public-topic <selector>  a topic, or a URI template or *, anyone may subscribe to without a
                             token; repeat for more (env SSEHUB_PUBLIC_TOPICS, separated by
                             spaces; default: none)
`

/** The flags, for `parseArgs`. */
export const EVENTS_AUTH_FLAGS = {
  'public-topic': { type: 'string', multiple: true, env: 'SSEHUB_PUBLIC_TOPICS' },
} as const satisfies FlagTable

/**
 * The `publicTopics` option from the flags.
 *
 * @throws {UsageError} for an empty selector.
 */
export function publicTopicsFrom(
  values: { 'public-topic'?: string[] | undefined },
  label: FlagLabel,
): string[] | undefined {
  const selectors = values['public-topic']
  if (selectors === undefined) return undefined
  if (selectors.some((selector) => selector === '')) {
    throw new UsageError(`${label('public-topic')} must not be empty`)
  }
  return selectors
}

/** Whether `GET /events` asks for a token under these Mercure options, for the start-up log. */
export function eventsNeedToken(mercure: MercureOptions | null): boolean {
  if (mercure === null || mercure.anonymous === true) return false
  return (
    (mercure.subscriberJwtKey ?? mercure.jwtKey ?? null) !== null || mercure.anonymous === false
  )
}
