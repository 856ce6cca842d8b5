// ssehub mounted in a framework, for the benchmark: the adapters' cost beside `ssehub serve`.
// Run: node bench/peers/ssehub-in.js PORT express|fastify|hono
// The hub is set as the benchmark sets `ssehub serve`: no clock, heartbeats every 15 s, and no
// cap on unsent bytes a burst could hit; no compression (it leaves event streams alone anyway).
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { ssehub as expressHub } from '../../dist/adapters/express.js'
import { ssehubPlugin } from '../../dist/adapters/fastify.js'
import { ssehub as honoHub } from '../../dist/adapters/hono.js'
import { createHubApp } from '../../dist/index.js'

const port = Number(process.argv[2])
const framework = process.argv[3]
const hub = createHubApp({
  heartbeatMs: 15_000,
  maxBufferedBytes: 256 * 1024 * 1024,
})

if (framework === 'express') {
  express().use(expressHub(hub)).listen(port, '127.0.0.1')
} else if (framework === 'fastify') {
  const fastify = Fastify()
  await fastify.register(ssehubPlugin, { app: hub })
  await fastify.listen({ port, host: '127.0.0.1' })
} else if (framework === 'hono') {
  serve({ fetch: new Hono().use(honoHub(hub)).fetch, port, hostname: '127.0.0.1' })
} else {
  throw new Error(`unknown framework ${framework}`)
}
