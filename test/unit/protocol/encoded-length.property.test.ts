import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodedLength, encodeEvent } from '../../../src/protocol/encode.js'

// Any UTF-16 code unit, lone surrogates and line breaks included, with breaks made common.
const unit = fc.oneof(
  fc.nat(0xffff).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\n', '\r', '\r\n', '😀'),
)
const text = fc.string({ unit, maxLength: 40 })
const singleLine = text.map((s) => s.replace(/[\r\n\0]/g, ''))

describe('encodedLength', () => {
  it('is the byte length of the encoded event, whatever its fields hold', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            data: text,
            comment: text,
            event: singleLine,
            id: singleLine,
            retry: fc.maxSafeNat(),
          },
          { requiredKeys: [] },
        ),
        (event) => {
          expect(encodedLength(event)).toBe(encodeEvent(event).byteLength)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
