// A Fastify app serving ssehub's /events and /publish beside its own routes.
// Run: node examples/fastify.mjs (PORT, SSEHUB_PUBLISH_KEY, HEARTBEAT_MS from the environment)
//   curl -N localhost:3000/events                      the clock, one event a second
//   curl -N 'localhost:3000/events?topic=news'         another topic
//   curl -d 'topic=news&data=hello' localhost:3000/publish
import compress from '@fastify/compress'
import Fastify from 'fastify'
import { createHubApp, startClock } from 'ssehub'
import { ssehubPlugin } from 'ssehub/fastify'

const hub = createHubApp({
  // Publishing is open without a key: set one for anything reachable from outside.
  publishKey: process.env.SSEHUB_PUBLISH_KEY,
  heartbeatMs: process.env.HEARTBEAT_MS ? Number(process.env.HEARTBEAT_MS) : undefined,
  defaultTopic: 'clock', // GET /events without a topic streams the clock below
})
const stopClock = startClock(hub.hub, 'clock', 1000)

const fastify = Fastify()
await fastify.register(compress) // event streams are sent with `no-transform`: it leaves them be
await fastify.register(ssehubPlugin, { app: hub }) // GET /events, POST /publish, Mercure
fastify.get('/hello', async () => ({ hello: 'world', streams: hub.stats().streams }))

const url = await fastify.listen({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? 'localhost',
})
console.log(`listening on ${url}`)

async function shutdown() {
  stopClock()
  hub.close() // ends every stream with a retry: hint
  await fastify.close()
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
