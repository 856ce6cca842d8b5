import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open as openLmdb } from 'lmdb'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { HubEvent } from '../../../src/hub/types.js'
import {
  createLmdbTransport,
  type LmdbTransport,
  type LmdbTransportOptions,
} from '../../../src/lmdb/lmdb-transport.js'
import { silentLogger } from '../../../src/logger.js'
import { keptIn } from '../../helpers/kept.js'
import { describeTransportContract } from '../../helpers/transport-contract.js'

const dir = mkdtempSync(join(tmpdir(), 'ssehub-lmdb-'))
let files = 0
const newPath = () => join(dir, `history-${++files}.mdb`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeTransportContract('the LMDB transport', (retention) =>
  createLmdbTransport({ path: newPath(), ...retention }),
)
describeTransportContract('the LMDB transport acknowledging on commit', (retention) =>
  createLmdbTransport({ path: newPath(), durability: 'process', ...retention }),
)

describe('the LMDB transport', () => {
  const open: LmdbTransport[] = []
  const make = async (options: LmdbTransportOptions) => {
    const transport = await createLmdbTransport(options)
    open.push(transport)
    return transport
  }
  const reopen = async (transport: LmdbTransport, options: LmdbTransportOptions) => {
    transport.close()
    await transport.closed
    return make(options)
  }
  afterEach(async () => {
    for (const transport of open.splice(0)) {
      transport.close()
      await transport.closed
    }
  })
  const publish = (transport: LmdbTransport, ...data: string[]) =>
    transport.publish(data.map((d) => ({ topics: ['a'], data: d })))
  const summary = (events: readonly HubEvent[]) =>
    events.map((e) => [e.seq, e.id, e.data, Buffer.from(e.bytes).toString()])

  it('keeps its events across a reopen, and resumes from an id written before it', async () => {
    const path = newPath()
    const before = await make({ path })
    const acks = await publish(before, '1', '2', '3')
    const kept = summary(await keptIn(before))
    const after = await reopen(before, { path })
    expect(summary(await keptIn(after))).toEqual(kept)
    const read = await after.readAfter(acks[0]?.id as string)
    expect(read.found).toBe(true)
    expect(read.events.map((e) => e.data)).toEqual(['2', '3'])
  })

  it('goes on numbering after the reopened events: seq and ids increase', async () => {
    const path = newPath()
    const before = await make({ path })
    await publish(before, '1', '2')
    const [last] = (await keptIn(before)).slice(-1)
    const after = await reopen(before, { path })
    const live: HubEvent[] = []
    after.tail((e) => live.push(e))
    await publish(after, '3')
    expect(live[0]?.seq).toBe((last?.seq ?? 0) + 1)
    expect((live[0]?.id ?? '') > (last?.id ?? '')).toBe(true)
    expect((await keptIn(after)).map((e) => e.data)).toEqual(['1', '2', '3'])
  })

  it('makes ids after the newest in the file even when the clock is behind it', async () => {
    const path = newPath()
    const ahead = 'urn:uuid:7fffffff-ffff-7000-8000-000000000000'
    const before = await make({ path })
    await before.publish([{ topics: ['a'], data: 'from the future', id: ahead }])
    const after = await reopen(before, { path })
    const [made] = await publish(after, 'now')
    expect((made?.id ?? '') > ahead).toBe(true)
  })

  it('trims the file to smaller bounds when reopened with them', async () => {
    const path = newPath()
    const before = await make({ path })
    await publish(before, '1', '2', '3', '4')
    const after = await reopen(before, { path, historySize: 2 })
    expect((await keptIn(after)).map((e) => e.data)).toEqual(['3', '4'])
    await publish(after, '5')
    expect((await keptIn(after)).map((e) => e.data)).toEqual(['4', '5'])
  })

  it('counts every stored byte against the byte bound, topics included', async () => {
    // Each event's wire bytes are small, but its topic is 3,000 bytes.
    const topics = [`https://example.com/${'t'.repeat(3000)}`]
    const transport = await make({ path: newPath(), historyBytes: 8000 })
    await transport.publish(['1', '2', '3', '4'].map((data) => ({ topics, data })))
    expect((await keptIn(transport)).map((e) => e.data)).toEqual(['3', '4'])
  })

  it('drops events past the age bound from replay, and from the file', async () => {
    let time = 1_000_000
    const path = newPath()
    const transport = await make({ path, historyAgeMs: 60_000, now: () => time })
    const [old] = await publish(transport, 'old')
    time += 30_000
    await publish(transport, 'newer')
    time += 40_000
    const read = await transport.readAfter(old?.id as string)
    expect(read.found).toBe(false)
    expect(read.events.map((e) => e.data)).toEqual(['newer'])
    time += 30_000
    expect(await keptIn(transport)).toEqual([])
    await publish(transport, 'latest')
    // Reopened without the bound, it shows what the file holds.
    const after = await reopen(transport, { path })
    expect((await keptIn(after)).map((e) => e.data)).toEqual(['latest'])
  })

  it('skips a record it cannot read in replay, and evicts it first', async () => {
    const path = newPath()
    const before = await make({ path })
    await publish(before, '1', '2', '3')
    before.close()
    await before.closed
    const raw = openLmdb({ path, noSubdir: true, maxDbs: 3 })
    await raw.openDB('events', { encoding: 'binary' }).put(1, Buffer.from('damaged'))
    await raw.close()
    const errors: string[] = []
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) }
    const after = await make({ path, historySize: 3, logger })
    expect((await keptIn(after)).map((e) => e.data)).toEqual(['2', '3'])
    expect(errors).toEqual(['skipped an event the history file holds but ssehub cannot read'])
    await publish(after, '4')
    expect((await keptIn(after)).map((e) => e.data)).toEqual(['2', '3', '4'])
    expect(errors).toHaveLength(1)
  })

  it('resumes after an id too long to be an index key as it is', async () => {
    const id = 'x'.repeat(5000)
    const transport = await make({ path: newPath() })
    await transport.publish([{ topics: ['a'], data: '1', id }])
    await publish(transport, '2')
    const read = await transport.readAfter(id)
    expect(read.found).toBe(true)
    expect(read.events.map((e) => e.data)).toEqual(['2'])
  })

  it('stops writing once another opening of the file has taken it over', async () => {
    const path = newPath()
    const first = await make({ path })
    await publish(first, '1')
    const second = await make({ path })
    await expect(publish(first, 'lost')).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining('another process now writes the history file'),
    })
    expect(first.reachable?.()).toBe(false)
    await publish(second, '2')
    expect((await keptIn(second)).map((e) => e.data)).toEqual(['1', '2'])
    expect(second.reachable?.()).toBe(true)
  })

  // Mapped as it is, either would crash the process (LMDB trusts its file).
  it('refuses a file that is not an LMDB history, or one cut short', async () => {
    const path = newPath()
    writeFileSync(path, 'not a database '.repeat(1000))
    await expect(createLmdbTransport({ path })).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining(`${path} (it is not an LMDB file`),
    })
    const cut = newPath()
    const transport = await make({ path: cut })
    await transport.publish(
      Array.from({ length: 200 }, (_, i) => ({ topics: ['a'], data: String(i).repeat(500) })),
    )
    transport.close()
    await transport.closed
    truncateSync(cut, statSync(cut).size / 2)
    await expect(createLmdbTransport({ path: cut })).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining('it is cut short'),
    })
  })

  it('rejects publishes and reads once closed', async () => {
    const transport = await make({ path: newPath() })
    transport.close()
    await expect(publish(transport, '1')).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
    })
    await expect(transport.readAfter('x')).rejects.toMatchObject({
      code: 'ERR_SSE_TRANSPORT_UNAVAILABLE',
    })
  })

  it('refuses bad options, naming them', async () => {
    await expect(createLmdbTransport({ path: '' })).rejects.toThrow('`path` must be')
    await expect(createLmdbTransport({ path: newPath(), historySize: 0 })).rejects.toThrow(
      '`historySize` must be a positive integer, got 0',
    )
    await expect(createLmdbTransport({ path: newPath(), historyAgeMs: -1 })).rejects.toThrow(
      '`historyAgeMs`',
    )
    await expect(
      createLmdbTransport({ path: newPath(), durability: 'never' as 'disk' }),
    ).rejects.toThrow("`durability` must be 'disk' or 'process'")
  })
})
