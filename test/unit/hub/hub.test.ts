import { describe, expect, it } from 'vitest'
import { SseError } from '../../../src/errors.js'
import { storedBytes } from '../../../src/hub/history.js'
import { createHub } from '../../../src/hub/hub.js'
import type { HubEvent, Subscriber } from '../../../src/hub/types.js'
import { keptBy } from '../../helpers/kept.js'

function recorder(topics: string[]): Subscriber & { events: HubEvent[]; gaps: string[] } {
  const events: HubEvent[] = []
  const gaps: string[] = []
  return {
    topics,
    events,
    gaps,
    deliver: (e) => events.push(e),
    onHistoryGap: (id) => gaps.push(id),
  }
}

const text = (event: HubEvent) => new TextDecoder().decode(event.bytes)

describe('hub', () => {
  it('delivers a published event to subscribers of its topic only', async () => {
    const hub = createHub()
    const news = recorder(['news'])
    const sport = recorder(['sport'])
    await hub.subscribe(news)
    await hub.subscribe(sport)
    await hub.publish('news', { data: 'hello' })
    expect(news.events.map((e) => e.data)).toEqual(['hello'])
    expect(sport.events).toEqual([])
  })

  it('encodes each event once, with its id, and gives every subscriber the same bytes', async () => {
    const hub = createHub()
    const a = recorder(['t'])
    const b = recorder(['t'])
    await hub.subscribe(a)
    await hub.subscribe(b)
    const { id } = await hub.publish('t', { event: 'tick', data: 'one\ntwo' })
    expect(a.events[0]?.bytes).toBe(b.events[0]?.bytes)
    expect(text(a.events[0] as HubEvent)).toBe(`event: tick\nid: ${id}\ndata: one\ndata: two\n\n`)
  })

  it('gives every event a unique, increasing id when none is given', async () => {
    const hub = createHub()
    const ids: string[] = []
    for (let i = 0; i < 5000; i++) ids.push((await hub.publish('t', { data: String(i) })).id)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids[0]).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })

  it('keeps an id the publisher gives', async () => {
    const hub = createHub()
    const sub = recorder(['t'])
    await hub.subscribe(sub)
    expect(await hub.publish('t', { id: 'order-42', data: 'x' })).toEqual({ id: 'order-42' })
    expect(sub.events[0]?.id).toBe('order-42')
  })

  it('delivers an event published to several topics once to a subscriber of several of them', async () => {
    const hub = createHub()
    const both = recorder(['a', 'b'])
    const onlyB = recorder(['b'])
    await hub.subscribe(both)
    await hub.subscribe(onlyB)
    await hub.publish(['a', 'b'], { data: 'x' })
    expect(both.events).toHaveLength(1)
    expect(onlyB.events).toHaveLength(1)
  })

  it('replays events after Last-Event-ID in order, on the subscriber topics only', async () => {
    const hub = createHub()
    const first = await hub.publish('a', { data: '1' })
    await hub.publish('b', { data: 'other topic' })
    await hub.publish('a', { data: '2' })
    await hub.publish('a', { data: '3' })
    const sub = recorder(['a'])
    const subscription = await hub.subscribe(sub, { lastEventId: first.id })
    expect(sub.events.map((e) => e.data)).toEqual(['2', '3'])
    expect(subscription.replayed).toBe(2)
    expect(sub.gaps).toEqual([])
  })

  it('says a resuming subscription is resuming until the first live event it was not replayed', async () => {
    const hub = createHub()
    const first = await hub.publish('a', { data: '1' })
    await hub.publish('a', { data: '2' })
    const resumed = await hub.subscribe(recorder(['a']), { lastEventId: first.id })
    const fresh = await hub.subscribe(recorder(['a']))
    expect([resumed.resuming, fresh.resuming]).toEqual([true, false])
    await hub.publish('a', { data: '3' })
    expect(resumed.resuming).toBe(false)
  })

  it('sends live events after the replayed ones, none twice', async () => {
    const hub = createHub()
    const first = await hub.publish('a', { data: '1' })
    await hub.publish('a', { data: '2' })
    const sub = recorder(['a'])
    await hub.subscribe(sub, { lastEventId: first.id })
    await hub.publish('a', { data: '3' })
    expect(sub.events.map((e) => e.data)).toEqual(['2', '3'])
  })

  it('tells a subscriber whose id is older than the history, then sends all that is kept', async () => {
    const hub = createHub({ historySize: 2 })
    const first = await hub.publish('a', { data: '1' })
    await hub.publish('a', { data: '2' })
    await hub.publish('a', { data: '3' })
    const sub = recorder(['a'])
    await hub.subscribe(sub, { lastEventId: first.id })
    expect(sub.gaps).toEqual([first.id])
    expect(sub.events.map((e) => e.data)).toEqual(['2', '3'])
  })

  it('keeps the history within its byte budget', async () => {
    const hub = createHub({ historyBytes: 2000 })
    for (let i = 0; i < 10; i++) await hub.publish('a', { data: 'x'.repeat(50) })
    const kept = await keptBy(hub)
    expect(kept.reduce((sum, e) => sum + storedBytes(e), 0)).toBeLessThanOrEqual(2000)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThan(10)
  })

  it('reports how much it keeps: events and their encoded bytes', async () => {
    const hub = createHub({ historySize: 2 })
    expect(hub.historyStats()).toEqual({ events: 0, bytes: 0 })
    for (const data of ['a', 'bb', 'ccc']) await hub.publish('t', { id: data, data })
    const kept = await keptBy(hub)
    expect(kept.map((e) => e.data)).toEqual(['bb', 'ccc'])
    const bytes = kept.reduce((sum, e) => sum + e.bytes.byteLength, 0)
    expect(hub.historyStats()).toEqual({ events: 2, bytes })
  })

  it('refuses a field that would inject another field, and delivers nothing', async () => {
    const hub = createHub()
    const sub = recorder(['a'])
    await hub.subscribe(sub)
    await expect(hub.publish('a', { event: 'x\ndata: injected', data: 'y' })).rejects.toMatchObject(
      {
        code: 'ERR_SSE_INVALID_EVENT',
      },
    )
    await expect(hub.publish('a', { id: 'x\r1', data: 'y' })).rejects.toMatchObject({
      code: 'ERR_SSE_INVALID_ID',
    })
    expect(sub.events).toEqual([])
    expect(await keptBy(hub)).toEqual([])
  })

  it('refuses an empty topic or one with control characters', async () => {
    const hub = createHub()
    await expect(hub.publish('', { data: 'x' })).rejects.toMatchObject({
      code: 'ERR_SSE_INVALID_TOPIC',
    })
    await expect(hub.publish('a\nb', { data: 'x' })).rejects.toMatchObject({
      code: 'ERR_SSE_INVALID_TOPIC',
    })
    await expect(hub.publish([], { data: 'x' })).rejects.toBeInstanceOf(SseError)
  })

  it('publishes none of a batch when one of its events is bad', async () => {
    const hub = createHub()
    await expect(
      hub.publishBatch([
        { topics: ['a'], data: 'fine' },
        { topics: ['a'], event: 'bad\n', data: 'x' },
      ]),
    ).rejects.toMatchObject({ code: 'ERR_SSE_INVALID_EVENT' })
    expect(await keptBy(hub)).toEqual([])
  })

  it('publishes a batch in order with one id each', async () => {
    const hub = createHub()
    const sub = recorder(['a'])
    await hub.subscribe(sub)
    const ids = await hub.publishBatch([1, 2, 3].map((n) => ({ topics: ['a'], data: String(n) })))
    expect(sub.events.map((e) => e.id)).toEqual(ids.map((p) => p.id))
  })

  it('keeps publishing when a subscriber throws', async () => {
    const hub = createHub()
    await hub.subscribe({
      topics: ['a'],
      deliver: () => {
        throw new Error('broken')
      },
    })
    const healthy = recorder(['a'])
    await hub.subscribe(healthy)
    await expect(hub.publish('a', { data: 'x' })).resolves.toHaveProperty('id')
    expect(healthy.events).toHaveLength(1)
  })

  it('stops delivering after unsubscribe, and counts subscribers', async () => {
    const hub = createHub()
    const sub = recorder(['a', 'b'])
    const subscription = await hub.subscribe(sub)
    expect(hub.subscriberCount).toBe(1)
    subscription.unsubscribe()
    subscription.unsubscribe()
    expect(hub.subscriberCount).toBe(0)
    await hub.publish(['a', 'b'], { data: 'x' })
    expect(sub.events).toEqual([])
  })

  it('sends a private event only to subscribers allowed to receive it', async () => {
    const hub = createHub()
    const allowed = { ...recorder(['a']), canReceivePrivate: () => true }
    const other = recorder(['a'])
    await hub.subscribe(allowed)
    await hub.subscribe(other)
    await hub.publish('a', { data: 'secret', private: true })
    await hub.publish('a', { data: 'public' })
    expect(allowed.events.map((e) => e.data)).toEqual(['secret', 'public'])
    expect(other.events.map((e) => e.data)).toEqual(['public'])
  })

  it('refuses publishes once closed', async () => {
    const hub = createHub()
    hub.close()
    await expect(hub.publish('a', { data: 'x' })).rejects.toMatchObject({
      code: 'ERR_SSE_HUB_CLOSED',
    })
  })

  it('refuses a bad option with a TypeError naming it', () => {
    expect(() => createHub({ historySize: -1 })).toThrow(
      '`historySize` must be a non-negative integer, got -1',
    )
  })
})
