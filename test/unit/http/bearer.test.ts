import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bearerCredential } from '../../../src/http/bearer.js'

describe('the Bearer credential', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BeArEr   abc  ', 'abc'],
    ['Bearer a.b-c_d~e+f/g=', 'a.b-c_d~e+f/g='],
  ])('reads %j as %j', (header, credential) => {
    expect(bearerCredential(header)).toBe(credential)
  })

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearerabc', 'abc'])(
    'finds none in %j',
    (header) => {
      expect(bearerCredential(header)).toBeUndefined()
    },
  )

  it('returns what follows the scheme, trimmed, for any header', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (rest) => {
        const credential = bearerCredential(`bEaReR ${rest}`)
        expect(credential).toBe(rest.trim() === '' ? undefined : rest.trim())
      }),
    )
  })
})
