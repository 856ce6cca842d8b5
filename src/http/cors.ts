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

/**
 * Why `value` is not an origin a browser sends in `Origin`, with the fix; `undefined` when it is
 * one. A browser sends the exact serialized origin (RFC 6454 section 6.2: `scheme://host[:port]`,
 * lower case, no default port, no path, no trailing slash) or `null`, and an allowed origin is
 * compared with it character for character: anything else would allow no page at all, silently.
 *
 * @example
 * originProblem('https://app.example/') // 'is not an origin: write "https://app.example" (…)'
 */
export function originProblem(value: string): string | undefined {
  if (value === 'null') return undefined
  const form = 'scheme://host[:port], no path, no trailing slash'
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (url === undefined || url.origin === 'null' || url.host === '') {
    // A bare host (`app.example`) is the usual slip: show it with a scheme.
    const bare = !value.includes('/') && !value.includes('*')
    return `is not an origin (${form})${bare ? `, e.g. "https://${value}"` : ''}`
  }
  if (url.origin === value) return undefined
  return `is not an origin: write "${url.origin}" (${form})`
}

/** Extra headers answering a preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function preflightHeaders(): Record<string, string> {
  return {
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': PREFLIGHT_MAX_AGE_S,
  }
}
