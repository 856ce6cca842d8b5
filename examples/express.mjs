// An Express app serving ssehub's /events and /publish beside its own routes.
// Run: node examples/express.mjs (PORT, SSEHUB_PUBLISH_KEY, HEARTBEAT_MS from the environment)
//   curl -N localhost:3000/events                      the clock, one event a second
//   curl -N 'localhost:3000/events?topic=news'         another topic
//   curl -d 'topic=news&data=hello' localhost:3000/publish
import compression from 'compression'
import express from 'express'
import { createHubApp, startClock } from 'ssehub'
import { ssehub } from 'ssehub/express'

const hub = createHubApp({
  // Publishing is open without a key: set one for anything reachable from outside.
  publishKey: process.env.SSEHUB_PUBLISH_KEY,
  heartbeatMs: process.env.HEARTBEAT_MS ? Number(process.env.HEARTBEAT_MS) : undefined,
  defaultTopic: 'clock', // GET /events without a topic streams the clock below
})
const stopClock = startClock(hub.hub, 'clock', 1000)

const app = express()
app.use(compression()) // event streams are sent with `no-transform`: it leaves them be
app.use(ssehub(hub)) // GET /events, POST /publish, /.well-known/mercure
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world', streams: hub.stats().streams })
})

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`)
})

function shutdown() {
  stopClock()
  server.close()
  hub.close() // ends every stream with a retry: hint
  server.closeIdleConnections()
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
