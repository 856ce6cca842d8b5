import { describe, expect, it } from 'vitest'
import { createHub } from '../../../src/hub/hub.js'
import { createMemoryTransport } from '../../../src/hub/memory-transport.js'
import type { Transport, TransportRead } from '../../../src/hub/transport.js'
import type { HubEvent, Subscriber } from '../../../src/hub/types.js'

/**
 * The memory transport with a read that waits until the test lets it go, as a remote store's
 * read would: live events arrive meanwhile.
 */
function slowReadTransport(): Transport & { release(): void; reading: Promise<void> } {
  const inner = createMemoryTransport()
  let release = () => {}
  let started = () => {}
  const reading = new Promise<void>((resolve) => {
    started = resolve
  })
  return {
    ...inner,
    reading,
    release: () => release(),
    async readAfter(lastEventId): Promise<TransportRead> {
      // Read now, answer later: events published after this point are live, not in the read.
      const read = await inner.readAfter(lastEventId)
      started()
      await new Promise<void>((resolve) => {
        release = resolve
      })
      return read
    },
  }
}

function recorder(topics: string[]): Subscriber & { events: HubEvent[] } {
  const events: HubEvent[] = []
  return { topics, events, deliver: (e) => events.push(e) }
}

describe('hub on a transport', () => {
  it('queues live events while a replay is read, then sends them after it, none twice', async () => {
    const transport = slowReadTransport()
    const hub = createHub({ transport })
    const first = await hub.publish('a', { data: '1' })
    await hub.publish('a', { data: '2' })
    const sub = recorder(['a'])
    const subscribing = hub.subscribe(sub, { lastEventId: first.id })
    await transport.reading
    await hub.publish('a', { data: '3' })
    await hub.publish('b', { data: 'other topic' })
    expect(sub.events).toEqual([])
    transport.release()
    const subscription = await subscribing
    await hub.publish('a', { data: '4' })
    expect(sub.events.map((e) => e.data)).toEqual(['2', '3', '4'])
    expect(subscription.replayed).toBe(1)
  })

  it('skips the queued live events the read already covered', async () => {
    const inner = createMemoryTransport()
    const hub = createHub({
      transport: {
        ...inner,
        // Live events published during the read are in the read too, as on a shared store.
        async readAfter(lastEventId) {
          await hub.publish('a', { data: 'during the read' })
          return inner.readAfter(lastEventId)
        },
      },
    })
    const first = await hub.publish('a', { data: 'before' })
    const sub = recorder(['a'])
    await hub.subscribe(sub, { lastEventId: first.id })
    await hub.publish('a', { data: 'after' })
    expect(sub.events.map((e) => e.data)).toEqual(['during the read', 'after'])
  })

  it('skips live events a lagging tail delivers after the replay already sent them', async () => {
    // The store is up to date at once; this process's tail delivers only when flushed, as a
    // node's tail that is behind the shared stream does.
    const inner = createMemoryTransport()
    const lagging: HubEvent[] = []
    let deliver: (event: HubEvent) => void = () => {}
    inner.tail((event) => lagging.push(event))
    const flush = () => {
      for (const event of lagging.splice(0)) deliver(event)
    }
    const hub = createHub({
      transport: {
        ...inner,
        tail: (listener) => {
          deliver = listener
        },
      },
    })
    const first = await hub.publish('a', { data: '1' })
    await hub.publish('a', { data: '2' })
    const sub = recorder(['a'])
    await hub.subscribe(sub, { lastEventId: first.id })
    expect(sub.events.map((e) => e.data)).toEqual(['2'])
    flush()
    await hub.publish('a', { data: '3' })
    flush()
    expect(sub.events.map((e) => e.data)).toEqual(['2', '3'])
  })

  it('drops a subscriber whose replay cannot be read, and rejects', async () => {
    const hub = createHub({
      transport: {
        ...createMemoryTransport(),
        readAfter: () => Promise.reject(new Error('store unreachable')),
      },
    })
    await expect(hub.subscribe(recorder(['a']), { lastEventId: 'x' })).rejects.toThrow(
      'store unreachable',
    )
    expect(hub.subscriberCount).toBe(0)
  })

  it('closes its transport when it closes', () => {
    let closed = 0
    const hub = createHub({ transport: { ...createMemoryTransport(), close: () => void closed++ } })
    hub.close()
    hub.close()
    expect(closed).toBe(1)
  })

  it('refuses an in-memory option beside a transport, naming both', () => {
    expect(() => createHub({ transport: createMemoryTransport(), historySize: 5 })).toThrow(
      '`historySize` and `transport` cannot be used together',
    )
  })
})
