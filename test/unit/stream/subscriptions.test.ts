import { describe, expect, it } from 'vitest'
import { createHub } from '../../../src/hub/hub.js'
import type { HubEvent } from '../../../src/hub/types.js'
import { SseStream } from '../../../src/stream/sse-stream.js'
import { StreamSubscriber } from '../../../src/stream/stream-subscriber.js'
import { StreamSubscriptions } from '../../../src/stream/subscriptions.js'
import { memorySink } from '../../helpers/streams.js'

/** Starts `subscriber`'s stream as the app does: what waited first, then live events. */
function start(subscriber: StreamSubscriber, subscriptions: StreamSubscriptions) {
  const sink = memorySink()
  const stream = new SseStream(sink, { scheduler: subscriptions.scheduler })
  const waited = subscriber.pending ?? []
  subscriber.pending = undefined
  subscriber.stream = stream
  for (const chunk of waited) stream.writeBytes(chunk)
  return sink
}

/** The `data:` lines a sink has been given, once the streams' queues have been flushed. */
async function received(
  sink: { chunks: string[] },
  subscriptions: StreamSubscriptions,
): Promise<string[]> {
  // A flush can take more than one turn (a turn that wrote at once for a whole slice).
  for (let turns = 0; turns < 100; turns++) {
    await new Promise((resolve) => setImmediate(resolve))
    if (subscriptions.scheduler.pending === 0) break
  }
  return sink.chunks.join('').match(/^data: .*$/gm) ?? []
}

describe('stream subscriptions', () => {
  it('subscribes the streams of one topic through one hub subscriber', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    const a = await subscriptions.subscribe(new StreamSubscriber({ topics: ['t'] }), undefined)
    const b = await subscriptions.subscribe(new StreamSubscriber({ topics: ['t'] }), undefined)
    expect([hub.subscriberCount, subscriptions.count]).toEqual([1, 2])
    a.unsubscribe()
    a.unsubscribe()
    expect([hub.subscriberCount, subscriptions.count]).toEqual([1, 1])
    b.unsubscribe()
    await Promise.resolve()
    expect([hub.subscriberCount, subscriptions.count]).toEqual([0, 0])
  })

  it('replays to a stream that resumes on its own, then moves it into its topic’s group', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    const fresh = new StreamSubscriber({ topics: ['t'] })
    const resumed = new StreamSubscriber({ topics: ['t'] })
    const [first] = [await hub.publish('t', { data: '1' }), await hub.publish('t', { data: '2' })]
    const subscription = await subscriptions.subscribe(resumed, first.id)
    // The group comes after it in the hub's order: moved during a delivery, it would get the
    // event again from the group.
    await subscriptions.subscribe(fresh, undefined)
    // The hub may still skip live events it replayed: on its own until the first live one.
    expect(hub.subscriberCount).toBe(2)
    const sinks = [start(fresh, subscriptions), start(resumed, subscriptions)]
    await hub.publish('t', { data: '3' })
    expect([hub.subscriberCount, subscriptions.count]).toEqual([1, 2])
    await hub.publish('t', { data: '4' })
    expect(await received(sinks[0] ?? memorySink(), subscriptions)).toEqual(['data: 3', 'data: 4'])
    expect(await received(sinks[1] ?? memorySink(), subscriptions)).toEqual([
      'data: 2',
      'data: 3',
      'data: 4',
    ])
    subscription.unsubscribe()
    await hub.publish('t', { data: '5' })
    expect(await received(sinks[1] ?? memorySink(), subscriptions)).toEqual([
      'data: 2',
      'data: 3',
      'data: 4',
    ])
    expect(subscriptions.count).toBe(1)
  })

  it('subscribes on its own a stream that resumes, has several topics or a rule', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    await subscriptions.subscribe(new StreamSubscriber({ topics: ['t'] }), undefined)
    await subscriptions.subscribe(new StreamSubscriber({ topics: ['t'] }), 'some-id')
    await subscriptions.subscribe(new StreamSubscriber({ topics: ['t', 'u'] }), undefined)
    await subscriptions.subscribe(
      new StreamSubscriber({ topics: ['t'], matchesTopic: (topic) => topic.startsWith('v') }),
      undefined,
    )
    expect([hub.subscriberCount, subscriptions.count]).toEqual([4, 4])
  })

  it('keeps a member’s events until its stream starts, then sends each once, in order', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    const early = new StreamSubscriber({ topics: ['t'] })
    const late = new StreamSubscriber({ topics: ['t'] })
    await subscriptions.subscribe(early, undefined)
    await hub.publish('t', { data: '1' })
    const earlySink = start(early, subscriptions)
    await subscriptions.subscribe(late, undefined)
    await hub.publish('t', { data: '2' })
    const lateSink = start(late, subscriptions)
    await hub.publish('t', { data: '3' })
    await hub.publish('t', { data: '4' })
    expect(await received(earlySink, subscriptions)).toEqual([
      'data: 1',
      'data: 2',
      'data: 3',
      'data: 4',
    ])
    expect(await received(lateSink, subscriptions)).toEqual(['data: 2', 'data: 3', 'data: 4'])
  })

  it('sends a private event only to the members that may receive it', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    const allowed = new StreamSubscriber({
      topics: ['t'],
      canReceivePrivate: (event: HubEvent) => event.data !== 'not for anyone',
    })
    const anonymous = new StreamSubscriber({ topics: ['t'] })
    await subscriptions.subscribe(allowed, undefined)
    await subscriptions.subscribe(anonymous, undefined)
    const [allowedSink, anonymousSink] = [
      start(allowed, subscriptions),
      start(anonymous, subscriptions),
    ]
    await hub.publish('t', { data: 'public' })
    await hub.publish('t', { data: 'secret', private: true })
    await hub.publish('t', { data: 'not for anyone', private: true })
    await hub.publish('t', { data: 'public again' })
    expect(await received(allowedSink, subscriptions)).toEqual([
      'data: public',
      'data: secret',
      'data: public again',
    ])
    expect(await received(anonymousSink, subscriptions)).toEqual([
      'data: public',
      'data: public again',
    ])
  })

  it('rejects a bad topic, keeping nothing subscribed', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    const subscribing = subscriptions.subscribe(new StreamSubscriber({ topics: [''] }), undefined)
    await expect(subscribing).rejects.toMatchObject({ code: 'ERR_SSE_INVALID_TOPIC' })
    expect([hub.subscriberCount, subscriptions.count]).toEqual([0, 0])
  })

  it('rejects once the hub is closed', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    hub.close()
    const subscribing = subscriptions.subscribe(new StreamSubscriber({ topics: ['t'] }), undefined)
    await expect(subscribing).rejects.toMatchObject({ code: 'ERR_SSE_HUB_CLOSED' })
    expect(subscriptions.count).toBe(0)
  })

  it('subscribes a topic afresh after its last stream left', async () => {
    const hub = createHub()
    const subscriptions = new StreamSubscriptions(hub)
    const first = await subscriptions.subscribe(new StreamSubscriber({ topics: ['t'] }), undefined)
    first.unsubscribe()
    const again = new StreamSubscriber({ topics: ['t'] })
    await subscriptions.subscribe(again, undefined)
    const sink = start(again, subscriptions)
    await hub.publish('t', { data: 'after' })
    expect(await received(sink, subscriptions)).toEqual(['data: after'])
    expect(hub.subscriberCount).toBe(1)
  })
})
