import { describe, expect, it } from 'vitest'
import { storedBytes } from '../../../src/hub/history.js'
import { createHub } from '../../../src/hub/hub.js'
import { resolveHubOptions } from '../../../src/hub/options.js'
import type { HubEvent } from '../../../src/hub/types.js'
import { encodeEvent } from '../../../src/protocol/encode.js'
import { keptBy } from '../../helpers/kept.js'

const topics = (count: number, seq = 0) =>
  Array.from({ length: count }, (_, i) => `https://example.com/t/${i}/${seq}`)

async function refusal(publish: Promise<unknown>): Promise<{ code: string; message: string }> {
  return publish.then(
    () => ({ code: 'accepted', message: '' }),
    (error: { code: string; message: string }) => error,
  )
}

describe('hub limits', () => {
  it.each([
    ['SOH', '\x01'],
    ['DEL', '\x7f'],
    ['NEL (C1)', '\x85'],
    ['TAB', '\t'],
  ])('refuses an id holding %s and keeps nothing', async (_name, character) => {
    const hub = createHub()
    const { code } = await refusal(hub.publish('a', { id: `x${character}y`, data: 'd' }))
    expect(code).toBe('ERR_SSE_INVALID_ID')
    expect(await keptBy(hub)).toEqual([])
  })

  it('accepts an id of printable characters past ASCII', async () => {
    const hub = createHub()
    await expect(hub.publish('a', { id: 'snow-☃-雪', data: 'd' })).resolves.toEqual({
      id: 'snow-☃-雪',
    })
  })

  it('refuses an id with a lone surrogate, which cannot come back as Last-Event-ID', async () => {
    const hub = createHub()
    expect((await refusal(hub.publish('a', { id: 'x\ud800', data: 'd' }))).code).toBe(
      'ERR_SSE_INVALID_ID',
    )
    await expect(hub.publish('a', { id: 'x😀', data: 'd' })).resolves.toEqual({ id: 'x😀' })
  })

  it('refuses an id longer than maxIdLength', async () => {
    const hub = createHub({ maxIdLength: 8 })
    await expect(hub.publish('a', { id: 'x'.repeat(8) })).resolves.toBeDefined()
    const { code, message } = await refusal(hub.publish('a', { id: 'x'.repeat(9) }))
    expect(code).toBe('ERR_SSE_INVALID_ID')
    expect(message).toMatch(/at most 8 characters, got 9/)
  })

  it('refuses an event type with a control character or longer than maxEventTypeLength', async () => {
    const hub = createHub({ maxEventTypeLength: 4 })
    expect((await refusal(hub.publish('a', { event: 'a\x85' }))).code).toBe('ERR_SSE_INVALID_EVENT')
    expect((await refusal(hub.publish('a', { event: 'abcde' }))).code).toBe('ERR_SSE_INVALID_EVENT')
    await expect(hub.publish('a', { event: 'abcd' })).resolves.toBeDefined()
  })

  it('refuses an event published to more topics than maxEventTopics', async () => {
    const hub = createHub({ maxEventTopics: 3 })
    await expect(hub.publish(topics(3), { data: 'd' })).resolves.toBeDefined()
    const { code, message } = await refusal(hub.publish(topics(4), { data: 'd' }))
    expect(code).toBe('ERR_SSE_TOO_MANY_TOPICS')
    expect(message).toMatch(/at most 3 topics, got 4/)
  })

  it('refuses 80,000 topics by default', async () => {
    const hub = createHub()
    expect((await refusal(hub.publish(topics(80_000), { data: 'd' }))).code).toBe(
      'ERR_SSE_TOO_MANY_TOPICS',
    )
    expect(await keptBy(hub)).toEqual([])
  })

  it('applies maxTopicLength to publishing and subscribing', async () => {
    const hub = createHub({ maxTopicLength: 5 })
    expect((await refusal(hub.publish('abcdef', { data: 'd' }))).code).toBe('ERR_SSE_INVALID_TOPIC')
    const subscriber = { topics: ['abcdef'], deliver: () => {} }
    expect((await refusal(hub.subscribe(subscriber))).code).toBe('ERR_SSE_INVALID_TOPIC')
    await expect(hub.publish('abcde', { data: 'd' })).resolves.toBeDefined()
  })

  it('refuses an event over maxEventBytes encoded, line prefixes counted', async () => {
    const hub = createHub({ maxEventBytes: 701 })
    // 100 lines of `data: \n` and the blank line: 701 bytes from 99 characters.
    expect(encodeEvent({ data: '\n'.repeat(99) }).byteLength).toBe(701)
    await expect(hub.publish('a', { data: '\n'.repeat(99) })).resolves.toBeDefined()
    const { code, message } = await refusal(hub.publish('a', { data: '\n'.repeat(100) }))
    expect(code).toBe('ERR_SSE_PAYLOAD_TOO_LARGE')
    expect(message).toMatch(/at most 701 bytes encoded, got 708/)
  })

  it('names the failing event of a batch and publishes none of it', async () => {
    const hub = createHub()
    const { code, message } = await refusal(
      hub.publishBatch([
        { topics: ['a'], data: '1' },
        { topics: ['a'], id: 'bad\x7f', data: '2' },
      ]),
    )
    expect(code).toBe('ERR_SSE_INVALID_ID')
    expect(message).toMatch(/^event 1: /)
    expect(await keptBy(hub)).toEqual([])
  })

  it('keeps events with many topics within historyBytes, fewer of them as they grow', async () => {
    const historyBytes = 256 * 1024
    const hub = createHub({ historyBytes, maxEventTopics: 1000 })
    for (let seq = 0; seq < 150; seq++) await hub.publish(topics(1000, seq), { data: 'd' })
    const kept = await keptBy(hub)
    const counted = kept.reduce((sum, event) => sum + storedBytes(event), 0)
    expect(counted).toBeLessThanOrEqual(historyBytes)
    // About 50 KB each: a handful fit, not 150.
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThanOrEqual(Math.ceil(historyBytes / (1000 * 40)))
    expect((kept.at(-1) as HubEvent).topics[0]).toBe('https://example.com/t/0/149')
  })

  it.each([
    'maxEventTopics',
    'maxTopicLength',
    'maxIdLength',
    'maxEventTypeLength',
    'maxEventBytes',
  ] as const)('refuses a %s that is not a positive integer, naming it', (name) => {
    for (const value of [0, -1, 1.5, Number.NaN]) {
      expect(() => resolveHubOptions({ [name]: value })).toThrow(
        new TypeError(`\`${name}\` must be a positive integer, got ${value}`),
      )
    }
  })

  it('gives its limits to front ends', () => {
    expect(createHub({ maxEventTopics: 7 }).limits).toMatchObject({
      maxEventTopics: 7,
      maxTopicLength: 2048,
      maxIdLength: 256,
      maxEventTypeLength: 256,
      maxEventBytes: 1024 * 1024,
    })
  })
})
