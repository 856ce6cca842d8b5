/**
 * Where a Mercure client's JWS is found in a request.
 */

import { SseError } from '../errors.js'
import { bearerCredential } from '../http/bearer.js'
import type { HubRequest } from '../http/types.js'

/** Default name of the cookie holding a browser's JWS, as the Mercure draft recommends. */
export const DEFAULT_COOKIE_NAME = 'mercureAuthorization'

/** A JWS presented by a client, and how. */
export interface PresentedToken {
  readonly token: string
  readonly from: 'header' | 'query' | 'cookie'
}

/**
 * The JWS a request presents, or `undefined` for none. The Mercure draft ("Authorization") sets
 * the precedence:
 *
 * > If an `Authorization` HTTP header is presented by the client, the JWS it contains **MUST**
 * > be used. The content of the `authorization` query parameter and of the cookie **MUST** be
 * > ignored. If an `authorization` query parameter is set by the client and no `Authorization`
 * > HTTP header is presented, the content of the query parameter **MUST** be used, the content of
 * > the cookie must be ignored.
 *
 * @throws {SseError} `ERR_SSE_UNAUTHORIZED` for an `Authorization` header that is not
 *   `Bearer <JWS>`.
 */
export function presentedToken(
  request: HubRequest,
  cookieName: string,
): PresentedToken | undefined {
  const header = request.header('authorization')
  if (header !== undefined) {
    const token = bearerCredential(header)
    if (token === undefined) {
      throw new SseError('ERR_SSE_UNAUTHORIZED', 'the Authorization header must be `Bearer <JWS>`')
    }
    return { token, from: 'header' }
  }
  const query = request.url.searchParams.get('authorization')
  if (query !== null) return { token: query, from: 'query' }
  const cookie = cookieValue(request.header('cookie'), cookieName)
  return cookie === undefined ? undefined : { token: cookie, from: 'cookie' }
}

/** A cookie's value from a `Cookie` header (RFC 6265: `name=value` pairs joined by `; `). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const pair of header.split(/; */)) {
    const equals = pair.indexOf('=')
    if (equals > 0 && pair.slice(0, equals).trim() === name) {
      const value = pair.slice(equals + 1).trim()
      return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
    }
  }
  return undefined
}
