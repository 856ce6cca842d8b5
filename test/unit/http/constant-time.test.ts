import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { timingSafeEqual } from '../../../src/http/constant-time.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('timingSafeEqual', () => {
  it('tells equal bytes from different ones, of the same length or not', () => {
    expect(timingSafeEqual(bytes('secret'), bytes('secret'))).toBe(true)
    expect(timingSafeEqual(bytes('secret'), bytes('secreT'))).toBe(false)
    expect(timingSafeEqual(bytes('secret'), bytes('secrets'))).toBe(false)
    expect(timingSafeEqual(bytes(''), bytes(''))).toBe(true)
  })

  it('agrees with a plain comparison on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const same = a.length === b.length && a.every((byte, i) => byte === b[i])
        expect(timingSafeEqual(a, b)).toBe(same)
        expect(timingSafeEqual(a, a.slice())).toBe(true)
      }),
    )
  })
})
