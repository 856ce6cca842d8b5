import { describe, expect, it } from 'vitest'
import { cookieValue } from '../../../src/mercure/credentials.js'

describe('cookieValue', () => {
  it.each([
    ['mercureAuthorization=abc', 'abc'],
    ['a=1; mercureAuthorization=a.b.c; b=2', 'a.b.c'],
    ['a=1;mercureAuthorization=x', 'x'],
    ['mercureAuthorization="quoted"', 'quoted'],
    ['xmercureAuthorization=no; mercureAuthorizationx=no', undefined],
    ['a=1', undefined],
    ['', undefined],
  ])('reads %j', (header, expected) => {
    expect(cookieValue(header, 'mercureAuthorization')).toBe(expected)
  })

  it('reads nothing without a Cookie header', () => {
    expect(cookieValue(undefined, 'mercureAuthorization')).toBeUndefined()
  })
})
