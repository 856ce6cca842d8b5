/**
 * ssehub/hono: a hub's `/events`, `/publish` and Mercure inside a Hono app, as one middleware,
 * on web-standard `Request` and `Response` (`ssehub/fetch`): Node (`@hono/node-server`), Bun,
 * Deno and workers.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { createHubApp } from 'ssehub'
 * import { ssehub } from 'ssehub/hono'
 * const app = new Hono()
 * app.use(ssehub(createHubApp()))
 * app.get('/', (c) => c.text('hello'))
 * export default app
 * ```
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { HubApp } from '../app/app.js'
import { type FetchHandlerOptions, toFetchHandler } from './fetch.js'
import { isHubPath, type MountOptions, resolveBasePath, underBasePath } from './mount.js'
import type { WebRequestInfo } from './web-request.js'

export type { MountOptions } from './mount.js'

/** Options of the Hono middleware. `undefined` is the default. */
export interface HonoOptions extends MountOptions, FetchHandlerOptions {
  /**
   * What the runtime knows of a request beyond the `Request`: the client's address (for the
   * per-client publish rate), the HTTP version, how to cut the connection. @defaultValue read
   * from `@hono/node-server`'s `c.env.incoming` and `c.env.outgoing` when there, else unknown
   */
  requestInfo?: ((c: Context) => WebRequestInfo) | undefined
}

/**
 * A middleware answering the hub's paths (`/events`, `/publish`, Mercure; below `basePath`
 * when given: `app.use('/hub/*', ssehub(hub, { basePath: '/hub' }))`) with `app` and
 * passing every other request on (`next()`), so the app's own routes, middlewares and
 * `onError` stay as they are. The app's middlewares registered before it wrap the hub's
 * responses; an event stream is sent with `Cache-Control: no-transform`, which Hono's
 * `compress` leaves uncompressed.
 *
 * @throws {TypeError} for a bad option, naming it.
 */
export function ssehub(app: HubApp, options: HonoOptions = {}): MiddlewareHandler {
  const { mercure, requestInfo = nodeServerInfo, ...fetchOptions } = options
  const mount: MountOptions = { mercure }
  const basePath = resolveBasePath(fetchOptions.basePath)
  const handle = toFetchHandler(app, fetchOptions)
  return async (c, next) => {
    const path = underBasePath(c.req.path, basePath)
    if (path === undefined || !isHubPath(path, mount)) return next()
    return handle(c.req.raw, requestInfo(c))
  }
}

/** The shape `@hono/node-server` gives `c.env`: the Node request and response beneath. */
interface NodeServerBindings {
  incoming?: { httpVersionMajor?: number; socket?: { remoteAddress?: string } }
  outgoing?: { destroy?: () => unknown }
}

function nodeServerInfo(c: Context): WebRequestInfo {
  const env = c.env as NodeServerBindings | undefined
  const incoming = env?.incoming
  if (incoming === undefined) return {}
  const outgoing = env?.outgoing
  return {
    clientAddress: incoming.socket?.remoteAddress,
    httpVersionMajor: incoming.httpVersionMajor,
    // Its response destroyed, the server cancels the body quietly, as for a client gone.
    destroy: typeof outgoing?.destroy === 'function' ? () => void outgoing.destroy?.() : undefined,
  }
}
