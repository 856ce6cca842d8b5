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
import { SseError } from '../errors.js'
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
 * Mount it before a body parser (`express.json()`): a body already read cannot be published,
 * and such a request is passed to the app's error handling with `ERR_SSE_BAD_REQUEST`.
 *
 * @throws {TypeError} for a bad option, naming it.
 */
export function ssehub(app: HubApp, options: ExpressOptions = {}): NodeMiddleware {
  const { mercure, ...listenOptions } = options
  const mount: MountOptions = { mercure }
  const listener = toNodeListener(app, listenOptions)
  return (req, res, next) => {
    if (!isHubPath(pathOf(req.url ?? '/'), mount)) return next()
    if (req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD') {
      return next(
        new SseError(
          'ERR_SSE_BAD_REQUEST',
          'the request body was read before the hub: mount ssehub() before body parsers',
        ),
      )
    }
    listener(req, res)
  }
}
