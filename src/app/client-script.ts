/**
 * `GET /ssehub-client.js`: the browser build of `ssehub/client` (one ES module exporting
 * `EventSource`, `events` and `subscribe`), so that a plain page imports it from the hub with no
 * bundler. Cached by ETag; served with the app's CORS headers, which module scripts from another
 * origin need.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SseError } from '../errors.js'
import type { HubRequest, HubResponse } from '../http/types.js'

/** Where the hub serves the client. */
export const CLIENT_SCRIPT_PATH = '/ssehub-client.js'

/** How long a browser uses its copy before asking again (then answered 304 while unchanged). */
const CACHE_CONTROL = 'public, max-age=300'

// From src/app/ (tests) and dist/app/ (the package) alike, this is the package's dist/.
const BUILD_URL = new URL('../../dist/ssehub-client.js', import.meta.url)

/** Reads the build `npm run build` makes; null when it is missing (a source tree never built). */
export function readClientScript(): Uint8Array | null {
  try {
    return readFileSync(BUILD_URL)
  } catch {
    return null
  }
}

/** Whether an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 asks for GET). */
function matches(ifNoneMatch: string, etag: string): boolean {
  for (const tag of ifNoneMatch.split(',')) {
    const trimmed = tag.trim()
    if (trimmed === '*' || (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === etag) {
      return true
    }
  }
  return false
}

/**
 * The route's handler for `script` (the module's bytes or text); `null`: answers 404.
 *
 * @example
 * routes.set(CLIENT_SCRIPT_PATH, { GET: clientScriptHandler(readClientScript()) })
 */
export function clientScriptHandler(
  script: string | Uint8Array | null,
): (request: HubRequest) => HubResponse {
  if (script === null) {
    return () => {
      throw new SseError('ERR_SSE_NOT_FOUND', 'no client script is served: run `npm run build`')
    }
  }
  const etag = `"${createHash('sha256').update(script).digest('base64url').slice(0, 27)}"`
  const headers = {
    'cache-control': CACHE_CONTROL,
    etag,
    'x-content-type-options': 'nosniff',
  }
  return (request) => {
    const ifNoneMatch = request.header('if-none-match')
    if (ifNoneMatch !== undefined && matches(ifNoneMatch, etag)) {
      return { status: 304, headers: { ...headers }, body: '' }
    }
    return {
      status: 200,
      headers: { ...headers, 'content-type': 'text/javascript; charset=utf-8' },
      body: script,
    }
  }
}
