import { describe, expect, it } from 'vitest'
import { createEventIdGenerator } from '../../../src/hub/event-id.js'

describe('event ids', () => {
  it('carry the creation time in their first 48 bits', () => {
    const id = createEventIdGenerator(() => 0x0123456789ab)()
    expect(id).toMatch(/^urn:uuid:01234567-89ab-7000-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('spell the whole 48-bit time and the counter in their places', () => {
    for (const ms of [0, 1, 0xffffffff, 0x100000000, 0x123456789abc, 0xffffffffffff]) {
      const next = createEventIdGenerator(() => ms)
      const ids = Array.from({ length: 300 }, next)
      ids.forEach((id, counter) => {
        const [time, low, version, variant, rest] = id.slice('urn:uuid:'.length).split('-')
        expect(Number.parseInt(`${time}${low}`, 16)).toBe(ms)
        expect(version).toBe(`7${counter.toString(16).padStart(3, '0')}`)
        expect(variant).toMatch(/^[89ab][0-9a-f]{3}$/)
        expect(rest).toMatch(/^[0-9a-f]{12}$/)
      })
    }
  })

  it('keep increasing when the clock steps back', () => {
    let now = 1_000_000
    const next = createEventIdGenerator(() => now)
    const a = next()
    now -= 500
    const b = next()
    expect(b > a).toBe(true)
  })

  it('stay unique and increasing past 4096 ids in one millisecond', () => {
    const next = createEventIdGenerator(() => 42)
    const ids = Array.from({ length: 10_000 }, next)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })
})
