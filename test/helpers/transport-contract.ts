/**
 * The contract every single-process transport keeps (see `Transport`), as one suite that each
 * transport's test file runs against its own factory.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Transport } from '../../src/hub/transport.js'
import type { HubEvent, PublishInput } from '../../src/hub/types.js'
import { keptIn } from './kept.js'

/** Retention a transport under test is created with; `undefined` is its default. */
export interface ContractRetention {
  historySize?: number
  historyBytes?: number
}

/** Makes a fresh transport (an empty history) with the retention given. */
export type TransportFactory = (retention: ContractRetention) => Promise<Transport>

const text = (event: HubEvent) => Buffer.from(event.bytes).toString()
const input = (data: string, extra: Partial<PublishInput> = {}): PublishInput => ({
  topics: ['a'],
  data,
  ...extra,
})

/** Runs the transport contract against `create`. */
export function describeTransportContract(name: string, create: TransportFactory): void {
  describe(`${name}: the transport contract`, () => {
    const open: Transport[] = []
    const make = async (retention: ContractRetention = {}) => {
      const transport = await create(retention)
      open.push(transport)
      return transport
    }
    const tailed = (transport: Transport) => {
      const events: HubEvent[] = []
      transport.tail((event) => events.push(event))
      return events
    }
    afterEach(() => {
      for (const transport of open.splice(0)) transport.close()
    })

    it('delivers every published event to the tail once, in order, before acknowledging it', async () => {
      const transport = await make()
      const events = tailed(transport)
      const [first] = await transport.publish([input('1')])
      expect(events.map((e) => e.data)).toEqual(['1'])
      await transport.publish([input('2'), input('3')])
      expect(events.map((e) => e.data)).toEqual(['1', '2', '3'])
      const firstSeq = events[0]?.seq ?? 0
      expect(events.map((e) => e.seq)).toEqual([firstSeq, firstSeq + 1, firstSeq + 2])
      expect(events[0]?.id).toBe(first?.id)
    })

    it('keeps the order of publishes made in the same turn, and acknowledges each', async () => {
      const transport = await make()
      const events = tailed(transport)
      const data = Array.from({ length: 200 }, (_, i) => String(i))
      const acks = await Promise.all(data.map((d) => transport.publish([input(d)])))
      expect(events.map((e) => e.data)).toEqual(data)
      expect(acks.map(([ack]) => ack?.id)).toEqual(events.map((e) => e.id))
      const seqs = events.map((e) => e.seq)
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i))
    })

    it('gives an event without an id a UUIDv7 and keeps the id given', async () => {
      const transport = await make()
      const [made, given] = await transport.publish([input('1'), input('2', { id: 'mine' })])
      expect(made?.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/)
      expect(given?.id).toBe('mine')
    })

    it('publishes none of a batch with a bad field, and rejects', async () => {
      const transport = await make()
      const events = tailed(transport)
      await expect(
        transport.publish([input('good'), input('bad', { event: 'a\nb' })]),
      ).rejects.toMatchObject({ code: 'ERR_SSE_INVALID_EVENT' })
      expect(events).toEqual([])
      expect(await keptIn(transport)).toEqual([])
    })

    it('reads back the events after an id, in order, as they were delivered', async () => {
      const transport = await make()
      const events = tailed(transport)
      await transport.publish([
        input('1'),
        input('2', { topics: ['b', 'c'], event: 'tick', retry: 500 }),
        input('3\nline two', { private: true }),
      ])
      const read = await transport.readAfter(events[0]?.id as string)
      expect(read.found).toBe(true)
      expect(read.events.map(text)).toEqual(events.slice(1).map(text))
      expect(read.events.map((e) => [e.id, e.topics, e.type, e.data, e.private, e.seq])).toEqual(
        events.slice(1).map((e) => [e.id, e.topics, e.type, e.data, e.private, e.seq]),
      )
      expect(text(read.events[0] as HubEvent)).toBe(
        `event: tick\nid: ${events[1]?.id}\nretry: 500\ndata: 2\n\n`,
      )
    })

    it('covers the events it read and those before, not those published after it', async () => {
      const transport = await make()
      const events = tailed(transport)
      await transport.publish([input('1'), input('2')])
      const read = await transport.readAfter(events[0]?.id as string)
      await transport.publish([input('3')])
      expect(events.map((e) => read.covers(e))).toEqual([true, true, false])
    })

    it('answers an unknown id with everything kept, as not found', async () => {
      const transport = await make()
      await transport.publish([input('1'), input('2')])
      const read = await transport.readAfter('never-published')
      expect(read.found).toBe(false)
      expect(read.events.map((e) => e.data)).toEqual(['1', '2'])
    })

    it('resumes after the newest event of a reused id', async () => {
      const transport = await make()
      await transport.publish([input('1', { id: 'x' }), input('2'), input('3', { id: 'x' })])
      await transport.publish([input('4')])
      const read = await transport.readAfter('x')
      expect(read.events.map((e) => e.data)).toEqual(['4'])
    })

    it('still resumes after a reused id once its older event is evicted', async () => {
      const transport = await make({ historySize: 3 })
      await transport.publish([input('1', { id: 'x' }), input('2'), input('3', { id: 'x' })])
      await transport.publish([input('4')])
      const read = await transport.readAfter('x')
      expect(read.found).toBe(true)
      expect(read.events.map((e) => e.data)).toEqual(['4'])
    })

    it('keeps the newest events up to the count bound, so an evicted id is a gap', async () => {
      const transport = await make({ historySize: 3 })
      const acks = await transport.publish(['1', '2', '3', '4', '5'].map((d) => input(d)))
      expect((await keptIn(transport)).map((e) => e.data)).toEqual(['3', '4', '5'])
      expect((await transport.readAfter(acks[0]?.id as string)).found).toBe(false)
      const read = await transport.readAfter(acks[2]?.id as string)
      expect(read.events.map((e) => e.data)).toEqual(['4', '5'])
    })

    it('keeps the newest events up to the byte bound, and the newest one even if larger', async () => {
      // Each transport counts what it stores its own way (memory, a file's records): the bound
      // keeps some of the newest events, never all of these, never the oldest before the newest.
      const big = (n: number) => String(n).repeat(1000)
      const all = [1, 2, 3, 4, 5, 6, 7, 8].map(big)
      const transport = await make({ historyBytes: 6000 })
      await transport.publish(all.map((data) => input(data)))
      const kept = (await keptIn(transport)).map((e) => e.data)
      expect(kept.length).toBeGreaterThan(0)
      expect(kept.length).toBeLessThan(all.length)
      expect(kept).toEqual(all.slice(all.length - kept.length))
      const tiny = await make({ historyBytes: 1 })
      await tiny.publish([input('a'), input('b')])
      expect((await keptIn(tiny)).map((e) => e.data)).toEqual(['b'])
    })
  })
}
