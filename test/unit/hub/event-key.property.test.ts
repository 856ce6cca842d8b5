import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createHubApp } from '../../../src/app/app.js'
import type { HubRequest } from '../../../src/http/types.js'
import { createHub } from '../../../src/hub/hub.js'
import type { HubEvent, PublishInput } from '../../../src/hub/types.js'
import { parseMercureForm } from '../../../src/mercure/publish-form.js'

// Written here, not imported: what a conflation key may be, stated on its own.
const MAX = 256
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f)
function acceptable(key: unknown): boolean {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX) return false
  for (let i = 0; i < key.length; i++) if (isControl(key.charCodeAt(i))) return false
  return true
}

// Mostly near the rules' edges: control characters, the length limit, values of other types.
const keyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ minLength: MAX - 2, maxLength: MAX + 2 }),
  fc
    .tuple(
      fc.string({ maxLength: 8 }),
      fc.integer({ min: 0, max: 0x9f }),
      fc.string({ maxLength: 8 }),
    )
    .map(([a, code, b]) => `${a}${String.fromCharCode(code)}${b}`),
)
const anyKey = fc.oneof(
  keyText,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.object({ maxDepth: 0 }),
)

describe('a conflation key, as hostile input', () => {
  it('is taken by hub.publish exactly when it is a non-empty string of at most 256 characters without control characters', async () => {
    const hub = createHub()
    const got: HubEvent[] = []
    await hub.subscribe({ topics: ['t'], deliver: (event) => got.push(event) })
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        got.length = 0
        const published = hub.publish('t', { data: 'd', key } as unknown as PublishInput).then(
          () => 'taken',
          (error: { code?: string }) => error.code,
        )
        const outcome = await published
        if (acceptable(key)) {
          expect(outcome).toBe('taken')
          expect(got.map((event) => event.key)).toEqual([key])
        } else {
          expect(outcome).toBe('ERR_SSE_INVALID_EVENT')
          expect(got).toEqual([])
        }
      }),
      { numRuns: 500 },
    )
    hub.close()
  })

  it('is refused the same way by an ephemeral publish', async () => {
    const hub = createHub()
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        const outcome = await hub
          .publish('t', { data: 'd', key } as unknown as PublishInput, { ephemeral: true })
          .then(
            () => 'taken',
            (error: { code?: string }) => error.code,
          )
        expect(outcome).toBe(acceptable(key) ? 'taken' : 'ERR_SSE_INVALID_EVENT')
      }),
      { numRuns: 300 },
    )
    hub.close()
  })

  it('is answered 400 on POST /publish when it is not acceptable, in JSON or a form', async () => {
    const app = createHubApp({ mercure: null })
    const post = async (contentType: string, body: string) => {
      const request: HubRequest = {
        method: 'POST',
        url: new URL('http://localhost/publish'),
        httpVersionMajor: 1,
        header: (name) => (name === 'content-type' ? contentType : undefined),
        body: async () => new TextEncoder().encode(body),
      }
      return (await app.handle(request)).status
    }
    await fc.assert(
      fc.asyncProperty(anyKey, async (key) => {
        const json = await post('application/json', JSON.stringify({ topic: 't', data: 'd', key }))
        expect(json).toBe(acceptable(key) ? 200 : 400)
        if (typeof key === 'string') {
          const form = await post(
            'application/x-www-form-urlencoded',
            new URLSearchParams({ topic: 't', data: 'd', key }).toString(),
          )
          // A form's text is decoded as UTF-8: a lone surrogate arrives as U+FFFD, still acceptable.
          expect(form).toBe(acceptable(key) ? 200 : 400)
        }
      }),
      { numRuns: 200 },
    )
    app.close()
  })

  it('is not taken from a Mercure publish form at all (the protocol has no such field)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (key) => {
        const body = new TextEncoder().encode(new URLSearchParams({ topic: 't', key }).toString())
        expect(parseMercureForm('application/x-www-form-urlencoded', body).key).toBeUndefined()
      }),
      { numRuns: 100 },
    )
  })
})
