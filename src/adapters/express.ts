/**
 * ssehub/express: a hub's `/events`, `/publish` and Mercure inside an Express app, as one
 * middleware beside the app's own routes.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createHubApp } from 'ssehub'
 * import { ssehub } from 'ssehub/express'
 * const app = express()
 * app.use(ssehub(createHubApp()))
 * app.get('/', (req, res) => res.send('hello'))
 * app.listen(3000)
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HubApp } from '../app/app.js'
import { isHubPath, type MountOptions, pathOf } from './mount.js'
import { type ListenOptions, toNodeListener } from './node.js'

export type { MountOptions } from './mount.js'

/** Options of the Express middleware. `undefined` is the default. */
export interface ExpressOptions
  extends MountOptions,
    Pick<ListenOptions, 'bodyTimeoutMs' | 'logger'> {}

/** An Express (or Connect) middleware, typed without Express so the core never imports it. */
export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void

/**
 * A middleware answering the hub's paths (`/events`, `/publish`, Mercure) with `app` and
 * passing every other request on. Mounted under a path (`app.use('/hub', ssehub(hub))`), the
 * hub's paths are below it. Requests go through the same handling as `ssehub/node`'s server:
 * body limits and deadline, HTTP/1.0, the stream written to the socket.
 *
 * Best mounted before body parsers; after one (`express.json()`, `express.urlencoded()`,
 * `express.text()`, `express.raw()`), a publish is read back from `req.body` (under the
 * parser's own size limit first).
 *
 * @throws {TypeError} for a bad option, naming it.
 */
export function ssehub(app: HubApp, options: ExpressOptions = {}): NodeMiddleware {
  const { mercure, ...listenOptions } = options
  const mount: MountOptions = { mercure }
  const listener = toNodeListener(app, listenOptions)
  return (req, res, next) => {
    if (!isHubPath(pathOf(req.url ?? '/'), mount)) return next()
    listener(req, res)
  }
}
