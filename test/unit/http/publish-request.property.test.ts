import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createHubApp } from '../../../src/app/app.js'
import { SseError } from '../../../src/errors.js'
import { parsePublishRequest } from '../../../src/http/publish-request.js'
import type { HubRequest } from '../../../src/http/types.js'
import { createHub } from '../../../src/hub/hub.js'
import type { HubEvent } from '../../../src/hub/types.js'
import { parseMercureForm } from '../../../src/mercure/publish-form.js'

// Written here, not imported: what the code under test must refuse, stated on its own.
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f)
const isSurrogate = (code: number) => code >= 0xd800 && code <= 0xdfff
function hasForbidden(text: string, surrogatesToo: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (isControl(code)) return true
    if (surrogatesToo && isSurrogate(code)) {
      const pair = code <= 0xdbff && isSurrogate(text.charCodeAt(i + 1))
      if (!pair) return true
      i++
    }
  }
  return false
}

/** Fails the property if a kept event holds what must have been refused. */
function expectClean(event: HubEvent): void {
  expect(hasForbidden(event.id, true)).toBe(false)
  expect(event.id.length).toBeLessThanOrEqual(256)
  if (event.type !== undefined) {
    expect(hasForbidden(event.type, false)).toBe(false)
    expect(event.type.length).toBeLessThanOrEqual(256)
  }
  expect(event.topics.length).toBeGreaterThan(0)
  expect(event.topics.length).toBeLessThanOrEqual(64)
  for (const topic of event.topics) {
    expect(hasForbidden(topic, false)).toBe(false)
    expect(topic.length).toBeGreaterThan(0)
  }
}

// Any UTF-16 code unit (controls, C1, lone surrogates), with the troublesome ones made common.
const unit = fc.oneof(
  fc.nat(0xffff).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\x00', '\x01', '\n', '\r', '\x7f', '\x85', '\ud800', '\udc00', '☃', 'a'),
)
const text = fc.oneof(fc.string({ unit, maxLength: 12 }), fc.string({ maxLength: 300 }))
const jsonValue = fc.oneof(
  text,
  fc.array(text, { maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(text, text, { maxKeys: 2 }),
)
// Mostly well-formed events, so that the checks past parsing are reached, and some noise.
const wellFormed = fc.record(
  {
    topic: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 })),
    data: text,
    event: text,
    id: text,
    retry: fc.nat(),
  },
  { requiredKeys: ['topic'] },
)
const field = fc.constantFrom('topic', 'data', 'event', 'id', 'retry', 'private', 'type', 'x')
const jsonEvent = fc.oneof(
  { arbitrary: wellFormed, weight: 4 },
  { arbitrary: fc.dictionary(field, jsonValue, { maxKeys: 6 }), weight: 1 },
)
const jsonBody = fc
  .oneof(jsonEvent, fc.array(jsonEvent, { maxLength: 4 }), jsonValue)
  .map((value) => new TextEncoder().encode(JSON.stringify(value)))
const pairs = (names: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(names, text), { maxLength: 8 }).map((list) => [['topic', 'a'], ...list])
const encodeForm = (list: string[][]) =>
  new TextEncoder().encode(new URLSearchParams(list).toString())
const formBody = fc.oneof(
  pairs(fc.constantFrom('topic', 'data', 'event', 'id', 'retry')).map(encodeForm),
  pairs(field).map(encodeForm),
)
const mercureFormBody = pairs(
  fc.constantFrom('topic', 'data', 'type', 'id', 'retry', 'private'),
).map(encodeForm)
const rawBody = fc.uint8Array({ maxLength: 200 })
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    undefined,
  ),
  text,
)
const request = fc.oneof(
  fc.record({ contentType: fc.constant('application/json'), body: jsonBody }),
  fc.record({ contentType: fc.constant('application/x-www-form-urlencoded'), body: formBody }),
  fc.record({ contentType, body: fc.oneof(jsonBody, formBody, rawBody) }),
)

function throwsOnlySseError(parse: () => unknown): void {
  try {
    parse()
  } catch (error) {
    if (!(error instanceof SseError)) throw error
  }
}

describe('publish request parsing, on any input', () => {
  it('throws nothing but SseError', () => {
    fc.assert(
      fc.property(request, ({ contentType, body }) => {
        throwsOnlySseError(() => parsePublishRequest(contentType, body))
        throwsOnlySseError(() => parseMercureForm(contentType, body))
      }),
      { numRuns: 3000 },
    )
  })

  it('never lets POST /publish keep an id, type or topic it must refuse, nor fail with 500', async () => {
    const { hub, published, total } = await watchedHub()
    const app = createHubApp({ hub, mercure: null })
    await fc.assert(
      fc.asyncProperty(request, async ({ contentType, body }) => {
        const response = await app.handle(publishRequest(contentType, body))
        expect(response.status).toBeLessThan(500)
        for (const event of published.splice(0)) expectClean(event)
      }),
      { numRuns: 1500 },
    )
    // Not vacuous: some random requests were published, with ids of their own.
    expect(total().withId).toBeGreaterThan(10)
    app.close()
  })

  it('never lets a Mercure form publish an id, type or topic it must refuse', async () => {
    const { hub, published, total } = await watchedHub()
    await fc.assert(
      fc.asyncProperty(mercureFormBody, async (body) => {
        try {
          const input = parseMercureForm('application/x-www-form-urlencoded', body)
          await hub.publish(input.topics, input)
        } catch (error) {
          if (!(error instanceof SseError)) throw error
        }
        for (const event of published.splice(0)) expectClean(event)
      }),
      { numRuns: 1500 },
    )
    expect(total().withId).toBeGreaterThan(10)
    hub.close()
  })
})

/** A hub with a subscriber to every topic, which keeps what it is sent for the test to check. */
async function watchedHub() {
  const hub = createHub()
  const published: HubEvent[] = []
  let events = 0
  let withId = 0
  await hub.subscribe({
    topics: [],
    matchesTopic: () => true,
    deliver: (event) => {
      published.push(event)
      events++
      // Hub-made ids start so; a publisher's id rarely does.
      if (!event.id.startsWith('urn:uuid:')) withId++
    },
  })
  return { hub, published, total: () => ({ events, withId }) }
}

function publishRequest(contentType: string | undefined, body: Uint8Array): HubRequest {
  return {
    method: 'POST',
    url: new URL('http://localhost/publish'),
    httpVersionMajor: 1,
    header: (name) => (name === 'content-type' ? contentType : undefined),
    body: async () => body,
  }
}
