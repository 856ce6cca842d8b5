/**
 * What the authorization of `GET /events` costs per subscription: the check the app runs before
 * a stream opens (read the token, verify its HS256 signature, match every topic against the
 * claim's selectors), called in a loop on a request with a valid token.
 *
 * Run: `npm run build && node bench/events-auth.js [--checks 20000]`. Method: 2,000 warm-up
 * checks, then `--checks` timed ones, one at a time; prints the mean. Numbers last measured:
 * docs/decisions/0043-events-authorization.md.
 */
import { parseArgs } from 'node:util'
import { SignJWT } from 'jose'
import { createEventsAuthorizer } from '../dist/app/events-authorizer.js'
import { resolveMercureOptions } from '../dist/mercure/options.js'

const { values } = parseArgs({ options: { checks: { type: 'string', default: '20000' } } })
const checks = Number(values.checks)
const secret = 'bench-secret-of-at-least-32-bytes!!'
const check = createEventsAuthorizer({
  mercure: resolveMercureOptions({ jwtKey: secret }),
  publicTopics: [],
  authorize: null,
})
const token = await new SignJWT({ mercure: { subscribe: ['/users/alice/{x}'] } })
  .setProtectedHeader({ alg: 'HS256' })
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(secret))
const request = {
  method: 'GET',
  url: new URL('http://hub/events?topic=/users/alice/notifications'),
  httpVersionMajor: 1,
  header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined),
  body: async () => new Uint8Array(),
}
const topics = ['/users/alice/notifications']
for (let i = 0; i < 2000; i++) await check(request, topics)
const started = process.hrtime.bigint()
for (let i = 0; i < checks; i++) await check(request, topics)
const micros = Number(process.hrtime.bigint() - started) / 1000 / checks
console.log(`${checks} checks: ${micros.toFixed(1)} µs each`)
