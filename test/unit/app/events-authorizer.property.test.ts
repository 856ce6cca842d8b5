import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEventsAuthorizer } from '../../../src/app/events-authorizer.js'
import { SseError } from '../../../src/errors.js'
import type { HubRequest } from '../../../src/http/types.js'
import { resolveMercureOptions } from '../../../src/mercure/options.js'
import { mintToken, SECRET } from '../../helpers/mercure.js'

// What a simple expression ({id}) expands to: unreserved characters, commas (a list) and
// percent-encoded octets; {+rest} lets reserved characters through as well. Written out here,
// apart from the matcher under test, so that the two can disagree.
const SIMPLE = /^(?:[A-Za-z0-9\-._~,]|%[0-9A-Fa-f]{2})*$/
const RESERVED = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/

/** Whether `topic` matches `selector`, by the Mercure steps, for the selectors drawn below. */
function oracle(selector: string, topic: string): boolean {
  if (selector === '*' || selector === topic) return true
  if (selector === '/u/{id}') return topic.startsWith('/u/') && SIMPLE.test(topic.slice(3))
  if (selector === '/files/{+path}') {
    return topic.startsWith('/files/') && RESERVED.test(topic.slice(7))
  }
  if (selector === '/news/{id}') return topic.startsWith('/news/') && SIMPLE.test(topic.slice(6))
  return false
}

// Topics a client may ask for, near the selectors: encodings, case, `*`, the templates' own text.
const TOPICS = [
  '/u/alice',
  '/u/bob',
  '/u/',
  '/u',
  '/u/a/b',
  '/u/a%2Fb',
  '/u/a%2fb',
  '/u/%61lice',
  '/u/a%2',
  '/u/a,b',
  '/u/a?b',
  '/u/al ice',
  '/u/é',
  '/U/alice',
  '/u/alice/',
  '/u/{id}',
  '/u/{+id}',
  '*',
  '/files/a/b?c#d',
  '/files/../u/alice',
  '/files/{+path}',
  'news',
  '/news/1',
  '/news/1/2',
  '/news/{id}',
]
const SELECTORS = ['/u/alice', '/u/{id}', '/files/{+path}', '*', 'news', '/news/{id}']

const request = (token: string): HubRequest => ({
  method: 'GET',
  url: new URL('http://hub.test/events'),
  httpVersionMajor: 1,
  header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined),
  body: async () => new Uint8Array(),
})

describe('GET /events authorization (property)', () => {
  it('allows a subscription exactly when each topic is public or matched by the token, as Mercure matches', async () => {
    const mercure = resolveMercureOptions({ jwtKey: SECRET })
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(SELECTORS),
        fc.subarray(['news', '/news/{id}', '/u/bob']),
        fc.array(fc.constantFrom(...TOPICS), { minLength: 1, maxLength: 4 }),
        async (claim, publicTopics, topics) => {
          const authorize = createEventsAuthorizer({ mercure, publicTopics, authorize: null })
          if (authorize === null) throw new Error('a subscriber key must make a check')
          const token = await mintToken({ subscribe: claim })
          const isPublic = (topic: string) => publicTopics.some((s) => oracle(s, topic))
          const guarded = topics.filter((topic) => !isPublic(topic))
          const expected = guarded.every((topic) => claim.some((s) => oracle(s, topic)))
          let answer: unknown
          try {
            answer = await authorize(request(token), topics)
          } catch (error) {
            if (!(error instanceof SseError)) throw error
            expect(error.code).toBe('ERR_SSE_FORBIDDEN')
            answer = false
          }
          expect(answer !== false).toBe(expected)
          // Private updates: the guarded topics alone, never a public one.
          if (expected && guarded.length > 0) {
            expect(answer).toMatchObject({ allow: true, privateTopics: guarded })
          }
          if (expected && guarded.length === 0) expect(answer).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })
})
