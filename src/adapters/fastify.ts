/**
 * ssehub/fastify: a hub's `/events`, `/publish` and Mercure inside a Fastify app, as a plugin
 * beside the app's own routes and hooks.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { createHubApp } from 'ssehub'
 * import { ssehubPlugin } from 'ssehub/fastify'
 * const fastify = Fastify()
 * await fastify.register(ssehubPlugin, { app: createHubApp() })
 * fastify.get('/', async () => 'hello')
 * await fastify.listen({ port: 3000 })
 * ```
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { HubApp } from '../app/app.js'
import { type MountOptions, mountedPaths } from './mount.js'
import { type ListenOptions, toNodeListener } from './node.js'

export type { MountOptions } from './mount.js'

/** Options of {@link ssehubPlugin}. `undefined` is the default. */
export interface FastifyOptions
  extends MountOptions,
    Pick<ListenOptions, 'bodyTimeoutMs' | 'logger'> {
  /** The hub app to serve. */
  app: HubApp
}

/** Every method the hub answers, a 405 naming the right ones included. */
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * Registers the hub's routes (`/events`, `/publish`, and Mercure's `/.well-known/mercure` with
 * its subscriptions API) under the plugin's prefix. Each reply is hijacked and the raw request
 * and response go through the same handling as `ssehub/node`'s server: the hub reads the body
 * itself (under its own limit and deadline; the plugin's scope parses none), and the stream is
 * written to the socket, past Fastify's serializers and `onSend` hooks (so `@fastify/compress`
 * leaves it alone). The app's `onRequest` and `preHandler` hooks run first, as for any route.
 *
 * @throws {TypeError} for a bad option, naming it.
 */
export const ssehubPlugin: FastifyPluginAsync<FastifyOptions> = async (fastify, options) => {
  const { app, mercure, ...listenOptions } = options
  const listener = toNodeListener(app, {
    bodyTimeoutMs: listenOptions.bodyTimeoutMs,
    logger: listenOptions.logger ?? app.logger,
  })
  // Encapsulated in this plugin: the app's own routes keep their parsers.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null))
  const prefix = fastify.prefix
  const handler = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.hijack()
    const raw = request.raw
    // The hub routes on its own paths: a prefix the plugin was registered under goes.
    if (prefix !== '' && raw.url?.startsWith(prefix)) raw.url = raw.url.slice(prefix.length)
    listener(raw, reply.raw)
  }
  const mount: MountOptions = { mercure }
  for (const path of mountedPaths(mount)) {
    fastify.route({ method: METHODS, url: path, handler, exposeHeadRoute: false })
  }
  if (mercure !== false) {
    fastify.route({
      method: METHODS,
      url: '/.well-known/mercure/*',
      handler,
      exposeHeadRoute: false,
    })
  }
}
