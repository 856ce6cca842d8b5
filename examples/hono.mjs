// A Hono app on Node (@hono/node-server) serving ssehub's /events and /publish beside its own
// routes. The same app runs on Bun, Deno and workers: ssehub/hono speaks Request and Response.
// Run: node examples/hono.mjs (PORT, SSEHUB_PUBLISH_KEY, HEARTBEAT_MS from the environment)
//   curl -N localhost:3000/events                      the clock, one event a second
//   curl -N 'localhost:3000/events?topic=news'         another topic
//   curl -d 'topic=news&data=hello' localhost:3000/publish
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { compress } from 'hono/compress'
import { createHubApp, startClock } from 'ssehub'
import { ssehub } from 'ssehub/hono'

const hub = createHubApp({
  // Publishing is open without a key: set one for anything reachable from outside.
  publishKey: process.env.SSEHUB_PUBLISH_KEY,
  heartbeatMs: process.env.HEARTBEAT_MS ? Number(process.env.HEARTBEAT_MS) : undefined,
  defaultTopic: 'clock', // GET /events without a topic streams the clock below
})
const stopClock = startClock(hub.hub, 'clock', 1000)

const app = new Hono()
app.use(compress()) // event streams are sent with `no-transform`: it leaves them be
app.use(ssehub(hub)) // GET /events, POST /publish, /.well-known/mercure
app.get('/hello', (c) => c.json({ hello: 'world', streams: hub.stats().streams }))

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`listening on http://localhost:${info.port}`)
})

function shutdown() {
  stopClock()
  hub.close() // ends every stream with a retry: hint
  server.close()
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
