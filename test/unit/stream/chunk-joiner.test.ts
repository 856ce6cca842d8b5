import { describe, expect, it } from 'vitest'
import { ChunkJoiner, concatBytes } from '../../../src/stream/chunk-joiner.js'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunk: Uint8Array) => new TextDecoder().decode(chunk)

describe('joining chunks', () => {
  it('concatenates in order, empty chunks and none included', () => {
    expect(text(concatBytes([bytes('ab'), bytes(''), bytes('c')]))).toBe('abc')
    expect(concatBytes([])).toEqual(new Uint8Array(0))
  })

  it('joins many small lists side by side without one overwriting another', () => {
    const joiner = new ChunkJoiner()
    const joined: Uint8Array[] = []
    // Enough to fill more than one slab.
    for (let i = 0; i < 2000; i++) joined.push(joiner.join([bytes(`<${i}`), bytes(`${i}>`)]))
    expect(joined.map(text)).toEqual(joined.map((_, i) => `<${i}${i}>`))
    const large = 'x'.repeat(10_000)
    expect(text(joiner.join([bytes(large), bytes('!')]))).toBe(`${large}!`)
  })

  it('hands out the last join again for the same chunks, and the only chunk itself', () => {
    const joiner = new ChunkJoiner()
    const [a, b] = [bytes('a'), bytes('b')]
    const first = joiner.join([a, b])
    expect(joiner.join([a, b])).toBe(first)
    expect(joiner.join([a])).toBe(a)
  })
})
