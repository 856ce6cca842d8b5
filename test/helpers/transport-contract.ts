/**
 * The contract every transport keeps (see `Transport`), as one suite that each transport's test
 * file runs against its own factory: memory, a history file (LMDB), the primary's state over
 * IPC (`--workers`) and Redis. Where a transport legitimately differs, it says so in its
 * {@link TransportCapabilities} and the same behaviour is checked in its form.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { historyStatsOf, type Transport } from '../../src/hub/transport.js'
import type { HubEvent, PublishInput } from '../../src/hub/types.js'
import { createCondition } from './condition.js'
import { keptIn } from './kept.js'

/** Retention a transport under test is created with; `undefined` is its default. */
export interface ContractRetention {
  historySize?: number
  historyBytes?: number
}

/** Makes a fresh transport (an empty history) with the retention given. */
export type TransportFactory = (retention: ContractRetention) => Promise<Transport>

/** How a transport keeps the contract where transports differ. */
export interface TransportCapabilities {
  /**
   * Whether the tail has an event before its publish resolves (memory, a file, the primary over
   * IPC); Redis acknowledges once the stream holds it, and its tail reads it after.
   */
  readonly tailBeforeAck: boolean
  /**
   * How `historySize` holds: exactly, or about, keeping at least the bound and at most `slack`
   * more (Redis trims `MAXLEN ~`, a whole block of entries at a time).
   */
  readonly countBound: { readonly exact: true } | { readonly exact: false; readonly slack: number }
  /** Whether `historyBytes` bounds what it keeps (Redis bounds entries and age, not bytes). */
  readonly byteBound: boolean
  /**
   * Whether `historyStats()` counts what is kept, the history being in this process; else it
   * reports nothing (a worker of `--workers`, whose history is in the primary).
   */
  readonly historyHere: boolean
}

/** A transport in this process, acknowledging after its tail: memory and a history file. */
export const LOCAL_TRANSPORT: TransportCapabilities = {
  tailBeforeAck: true,
  countBound: { exact: true },
  byteBound: true,
  historyHere: true,
}

/** How long a tail may take to bring an event that is on its way. */
const TAIL_TIMEOUT_MS = 5000

const text = (event: HubEvent) => new TextDecoder().decode(event.bytes)
const input = (data: string, extra: Partial<PublishInput> = {}): PublishInput => ({
  topics: ['a'],
  data,
  ...extra,
})
const fill = (count: number) => Array.from({ length: count }, (_, i) => input(`fill-${i}`))

/** Runs the transport contract against `create`. */
export function describeTransportContract(
  name: string,
  create: TransportFactory,
  capabilities: TransportCapabilities = LOCAL_TRANSPORT,
): void {
  const { tailBeforeAck, countBound, byteBound, historyHere } = capabilities
  describe(`${name}: the transport contract`, () => {
    const open: Transport[] = []
    const make = async (retention: ContractRetention = {}) => {
      const transport = await create(retention)
      open.push(transport)
      return transport
    }
    /** The events `transport`'s tail brings, and a wait until it has brought `count`. */
    const tailed = (transport: Transport) => {
      const events: HubEvent[] = []
      const condition = createCondition()
      transport.tail((event) => {
        events.push(event)
        condition.changed()
      })
      const reach = (count: number) =>
        condition.until(
          () => events.length >= count,
          () => `the tail to bring ${count} events (it has ${events.length})`,
          TAIL_TIMEOUT_MS,
        )
      return { events, reach }
    }
    afterEach(() => {
      for (const transport of open.splice(0)) transport.close()
    })

    it(`delivers every published event to the tail once, in order, ${tailBeforeAck ? 'before' : 'after'} acknowledging it`, async () => {
      const transport = await make()
      const { events, reach } = tailed(transport)
      const [first] = await transport.publish([input('1')])
      if (tailBeforeAck) expect(events.map((e) => e.data)).toEqual(['1'])
      await transport.publish([input('2'), input('3')])
      if (tailBeforeAck) expect(events.map((e) => e.data)).toEqual(['1', '2', '3'])
      // A last event, awaited: anything delivered twice would have come before it.
      await transport.publish([input('end')])
      await reach(4)
      expect(events.map((e) => e.data)).toEqual(['1', '2', '3', 'end'])
      const firstSeq = events[0]?.seq ?? 0
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => firstSeq + i))
      expect(events[0]?.id).toBe(first?.id)
    })

    it('keeps the order of publishes made in the same turn, and acknowledges each', async () => {
      const transport = await make()
      const { events, reach } = tailed(transport)
      const data = Array.from({ length: 200 }, (_, i) => String(i))
      const acks = await Promise.all(data.map((d) => transport.publish([input(d)])))
      await reach(data.length)
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
      const { events, reach } = tailed(transport)
      await expect(
        transport.publish([input('good'), input('bad', { event: 'a\nb' })]),
      ).rejects.toMatchObject({ code: 'ERR_SSE_INVALID_EVENT' })
      // What follows is the first event the tail brings and the only one kept.
      await transport.publish([input('after')])
      await reach(1)
      expect(events.map((e) => e.data)).toEqual(['after'])
      expect((await keptIn(transport)).map((e) => e.data)).toEqual(['after'])
    })

    it('reads back the events after an id, in order, as they were delivered', async () => {
      const transport = await make()
      const { events, reach } = tailed(transport)
      await transport.publish([
        input('1'),
        input('2', { topics: ['b', 'c'], event: 'tick', retry: 500 }),
        input('3\nline two', { private: true }),
      ])
      await reach(3)
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
      const { events, reach } = tailed(transport)
      await transport.publish([input('1'), input('2')])
      await reach(2)
      const read = await transport.readAfter(events[0]?.id as string)
      await transport.publish([input('3')])
      await reach(3)
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
      const bound = 3
      const transport = await make({ historySize: bound })
      // Enough between the two to evict the first however the bound is kept.
      const between = countBound.exact ? 1 : bound + 2 * countBound.slack
      await transport.publish([input('1', { id: 'x' }), ...fill(between)])
      await transport.publish([input('3', { id: 'x' })])
      await transport.publish([input('4')])
      const read = await transport.readAfter('x')
      expect(read.found).toBe(true)
      expect(read.events.map((e) => e.data)).toEqual(['4'])
    })

    it(`keeps the newest events up to the count bound (${countBound.exact ? 'exactly' : 'about'}), so an evicted id is a gap`, async () => {
      const bound = 3
      const transport = await make({ historySize: bound })
      const count = countBound.exact ? bound + 2 : bound + 2 * countBound.slack
      const data = Array.from({ length: count }, (_, i) => String(i + 1))
      const acks = await transport.publish(data.map((d) => input(d)))
      const kept = (await keptIn(transport)).map((e) => e.data)
      if (countBound.exact) expect(kept).toEqual(data.slice(-bound))
      expect(kept.length).toBeGreaterThanOrEqual(bound)
      expect(kept.length).toBeLessThanOrEqual(countBound.exact ? bound : bound + countBound.slack)
      expect(kept).toEqual(data.slice(data.length - kept.length))
      expect((await transport.readAfter(acks[0]?.id as string)).found).toBe(false)
      const from = data.length - kept.length
      const read = await transport.readAfter(acks[from]?.id as string)
      expect(read.events.map((e) => e.data)).toEqual(data.slice(from + 1))
    })

    if (byteBound) {
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
    } else {
      it('bounds what it keeps by count alone: large events stay while the count allows', async () => {
        const big = (n: number) => String(n).repeat(1000)
        const all = [1, 2, 3, 4, 5, 6, 7, 8].map(big)
        const transport = await make({ historyBytes: 6000 })
        await transport.publish(all.map((data) => input(data)))
        expect((await keptIn(transport)).map((e) => e.data)).toEqual(all)
      })
    }

    it(`reports ${historyHere ? 'how much it keeps' : 'nothing of a history kept elsewhere'} in its history stats`, async () => {
      const transport = await make()
      const { reach } = tailed(transport)
      await transport.publish([input('1'), input('22'), input('333')])
      await reach(3)
      const kept = await keptIn(transport)
      expect(kept).toHaveLength(3)
      expect(transport.historyStats()).toEqual(
        historyHere ? historyStatsOf(kept) : { events: 0, bytes: 0 },
      )
    })

    it('closes once, however often asked: a publish after it is refused, the tail hears nothing', async () => {
      const transport = await make()
      const { events, reach } = tailed(transport)
      await transport.publish([input('before')])
      await reach(1)
      transport.close()
      transport.close()
      await expect(transport.publish([input('after')])).rejects.toMatchObject({
        code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
      })
      expect(events.map((e) => e.data)).toEqual(['before'])
    })
  })
}
