/**
 * CORS: which web pages may subscribe and publish from another origin.
 */
import { headerValue } from './header-value.js'

/** Origins allowed: `'*'` for any (including `null`, a page opened from `file://`), or a list. */
export type CorsOrigins = '*' | readonly string[]

const ALLOWED_METHODS = 'GET, POST, OPTIONS'
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID, Cache-Control'
const PREFLIGHT_MAX_AGE_S = '600'

/**
 * The CORS headers for a request from `origin`, or none when it is not allowed.
 *
 * The origin is echoed rather than answered with `*`, so one rule serves `null` and real origins.
 * Credentials (cookies) are allowed only for origins listed by name: with `'*'` any site could
 * otherwise read what a visitor's cookie entitles them to. An origin HTTP cannot carry back
 * (control characters) is no browser's, and is not allowed.
 */
export function corsHeaders(
  origins: CorsOrigins,
  origin: string | undefined,
): Record<string, string> {
  if (origin === undefined) return {}
  const echoed = headerValue(origin)
  if (echoed === undefined) return { vary: 'Origin' }
  if (origins === '*') return { 'access-control-allow-origin': echoed, vary: 'Origin' }
  if (!origins.includes(origin)) return { vary: 'Origin' }
  return {
    'access-control-allow-origin': echoed,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  }
}

/** Extra headers answering a preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function preflightHeaders(): Record<string, string> {
  return {
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': PREFLIGHT_MAX_AGE_S,
  }
}
