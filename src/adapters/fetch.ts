/**
 * ssehub/fetch: serve a {@link HubApp} as a web-standard handler, `(request) => Response`, for
 * Bun, Deno, workers and the frameworks built on `Request` and `Response` (Hono: `ssehub/hono`).
 *
 * @example
 * ```ts
 * import { createHubApp } from 'ssehub'
 * import { toFetchHandler } from 'ssehub/fetch'
 * const handle = toFetchHandler(createHubApp())
 * Bun.serve({ port: 3000, fetch: (request) => handle(request) })
 * ```
 */
import type { HubApp } from '../app/app.js'
import type { HubResponse } from '../http/types.js'
import { positiveIntegerOrNull } from '../hub/options.js'
import { resolveBasePath } from './mount.js'
import { WebHubRequest, type WebRequestInfo } from './web-request.js'
import { DEFAULT_WEB_SINK_HIGH_WATER_MARK, WebSink } from './web-sink.js'

export type { WebRequestInfo } from './web-request.js'
export { DEFAULT_WEB_SINK_HIGH_WATER_MARK, WebSink } from './web-sink.js'

/** Default for {@link FetchHandlerOptions.bodyTimeoutMs}: 10 s, as `ssehub/node`. */
export const DEFAULT_FETCH_BODY_TIMEOUT_MS = 10_000

/** Options of {@link toFetchHandler}. `undefined` is the default, `null` turns a limit off. */
export interface FetchHandlerOptions {
  /**
   * Longest time for a request body to arrive; past it the request is answered 408
   * (`ERR_SSE_REQUEST_TIMEOUT`). `null`: no limit (the runtime's own, if any).
   * @defaultValue {@link DEFAULT_FETCH_BODY_TIMEOUT_MS}
   */
  bodyTimeoutMs?: number | null | undefined
  /**
   * The path the hub is served under (`/hub`: its streams at `/hub/events`); requests outside
   * it are answered 404. @defaultValue `''`: the root
   */
  basePath?: string | undefined
}

/** Answers one request with the hub app; never rejects. */
export type FetchHandler = (request: Request, info?: WebRequestInfo) => Promise<Response>

/**
 * A web-standard handler answering with `app`: every route of the app (`/events`, `/publish`,
 * Mercure, health). An event stream's body is a `ReadableStream` the runtime pulls: what it
 * has not read counts against the stream's unsent-bytes cap, and its cancelling the body (the
 * client gone) closes the stream.
 *
 * @throws {TypeError} for a bad option, naming it.
 */
export function toFetchHandler(app: HubApp, options: FetchHandlerOptions = {}): FetchHandler {
  const bodyTimeoutMs = positiveIntegerOrNull(
    'bodyTimeoutMs',
    options.bodyTimeoutMs,
    DEFAULT_FETCH_BODY_TIMEOUT_MS,
  )
  const basePath = resolveBasePath(options.basePath)
  return async (request, info = {}) => {
    let hubRequest: WebHubRequest
    try {
      hubRequest = new WebHubRequest(request, info, bodyTimeoutMs, basePath)
    } catch {
      return new Response('the request target is not a valid URL\n', {
        status: 400,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      })
    }
    if (hubRequest.outside) {
      return new Response(`no route for ${hubRequest.url.pathname}\n`, {
        status: 404,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      })
    }
    try {
      return toResponse(await app.handle(hubRequest), request.signal, info.destroy)
    } catch (error) {
      // A header `Headers` refuses, or a broken custom app: a 500, never a rejection.
      app.logger.error('could not write a response', { error: String(error) })
      return new Response('internal error\n', {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      })
    }
  }
}

function toResponse(
  response: HubResponse,
  signal: AbortSignal,
  destroy: (() => void) | undefined,
): Response {
  const headers = new Headers(response.headers)
  // The runtime owns the connection, and HTTP/2 forbids the header.
  headers.delete('connection')
  if ('body' in response) {
    const { status, body } = response
    const empty = status === 204 || status === 304
    // Never a SharedArrayBuffer's view: the hub's bytes are its own.
    const init = typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>)
    return new Response(empty ? null : init, { status, headers })
  }
  const sink = new WebSink(signal, DEFAULT_WEB_SINK_HIGH_WATER_MARK, destroy)
  const answer = new Response(sink.readable, { status: response.status, headers })
  response.start(sink)
  return answer
}
