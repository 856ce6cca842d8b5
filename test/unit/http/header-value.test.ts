import { validateHeaderValue } from 'node:http'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { headerValue } from '../../../src/http/header-value.js'

// Code points of every range, ASCII (its controls included) most often; no lone surrogates,
// which no event id holds after a UTF-8 round trip anyway.
const anyText = fc
  .array(
    fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 0x7f }), weight: 3 },
      fc.integer({ min: 0x80, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0x10ffff }),
    ),
    { maxLength: 40 },
  )
  .map((codePoints) => String.fromCodePoint(...codePoints))

describe('headerValue', () => {
  it('sends characters beyond ASCII as their UTF-8 bytes, one latin1 character each', () => {
    expect(headerValue('snow☃')).toBe('snow\u00e2\u0098\u0083')
    expect(headerValue('é')).toBe('\u00c3\u00a9')
  })

  it('leaves printable ASCII, inner spaces and the empty value as they are', () => {
    expect(headerValue('urn:uuid:0190-7')).toBe('urn:uuid:0190-7')
    expect(headerValue('a b\tc')).toBe('a b\tc')
    expect(headerValue('')).toBe('')
  })

  it.each([
    ['a NUL', 'a\u0000b'],
    ['a C0 control', 'a\u0001b'],
    ['DEL', 'a\u007fb'],
    ['CR LF', 'a\r\nSet-Cookie: x'],
    ['a leading space', ' a'],
    ['a trailing tab', 'a\t'],
  ])('has no form for a value with %s', (_, text) => {
    expect(headerValue(text)).toBeUndefined()
  })

  it('gives only values Node writes, whose bytes read back as UTF-8 are the text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const value = headerValue(text)
        if (value === undefined) return
        expect(() => validateHeaderValue('x', value)).not.toThrow()
        expect(Buffer.from(value, 'latin1').toString('utf8')).toBe(text)
      }),
      { numRuns: 500 },
    )
  })
})
