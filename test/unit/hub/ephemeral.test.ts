import { describe, expect, it } from 'vitest'
import { createHub } from '../../../src/hub/hub.js'
import { createMemoryTransport } from '../../../src/hub/memory-transport.js'
import type { Transport } from '../../../src/hub/transport.js'
import type { HubEvent } from '../../../src/hub/types.js'
import { text } from '../../helpers/streams.js'

/** A memory transport that counts what the hub asks of it. */
function countedTransport(): { transport: Transport; published: () => number } {
  const inner = createMemoryTransport({ historySize: 10 })
  let published = 0
  const transport: Transport = {
    ...inner,
    publish: (inputs) => {
      published += inputs.length
      return inner.publish(inputs)
    },
  }
  return { transport, published: () => published }
}

describe('an ephemeral publish', () => {
  it('reaches live subscribers without an id, and never the transport nor the history', async () => {
    const { transport, published } = countedTransport()
    const hub = createHub({ transport })
    const got: HubEvent[] = []
    await hub.subscribe({ topics: ['t'], deliver: (event) => got.push(event) })
    const stored = await hub.publish('t', { data: 'kept' })
    const answer = await hub.publish(
      't',
      { data: 'tick', id: 'mine', key: 'k' },
      { ephemeral: true },
    )
    expect(answer).toEqual({ id: '' })
    expect(got.map((event) => text(event.bytes))).toEqual([
      `id: ${stored.id}\ndata: kept\n\n`,
      'data: tick\n\n',
    ])
    expect(got[1]?.key).toBe('k')
    expect(published()).toBe(1)
    expect(hub.historyStats().events).toBe(1)
    expect(hub.lastEventId).toBe(stored.id)
    hub.close()
  })

  it('is not replayed to a subscriber resuming from before it', async () => {
    const hub = createHub()
    const first = await hub.publish('t', { data: 'first' })
    await hub.publish('t', { data: 'tick' }, { ephemeral: true })
    await hub.publish('t', { data: 'second' })
    const got: string[] = []
    await hub.subscribe(
      { topics: ['t'], deliver: (event) => got.push(event.data) },
      { lastEventId: first.id },
    )
    expect(got).toEqual(['second'])
    hub.close()
  })

  it('is refused by a closed hub', async () => {
    const hub = createHub()
    hub.close()
    await expect(hub.publish('t', { data: 'x' }, { ephemeral: true })).rejects.toMatchObject({
      code: 'ERR_SSE_HUB_CLOSED',
    })
  })
})
