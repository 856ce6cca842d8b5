import { describe, expect, it } from 'vitest'
import { matchesSelector, splitSelectors } from '../../../src/mercure/selector.js'
import { compileUriTemplate } from '../../../src/mercure/uri-template.js'

// The selectors of ssehub issue 20, which froze the hub for 27 s and for over a minute when
// matched by backtracking. Each answer below comes from one pass over 100,000 characters; a
// matcher that backtracks does not return, and the test's timeout reports it.
const LONG = 100_000

describe('URI template matching in linear time', () => {
  it('answers {a,b,c,d,e,f,g,h} against a long `a,a,…,a,!` (no match) and without the `!`', () => {
    const template = '{a,b,c,d,e,f,g,h}'
    const commas = 'a,'.repeat(LONG / 2)
    expect(matchesSelector(template, `${commas}!`)).toBe(false)
    expect(matchesSelector(template, commas)).toBe(true)
    expect(matchesSelector(template, 'a,a,a,a,a,a,a,a,!')).toBe(false)
  })

  it('answers sixteen {x} against an ordinary topic and a long one, on the publish path', () => {
    const { matchesTopic } = splitSelectors(['{x}'.repeat(16)])
    // `:` is in no unreserved value: the topic cannot be an expansion.
    expect(matchesTopic?.('orders-eu-west-1:created')).toBe(false)
    expect(matchesTopic?.('orders-eu-west-1-created')).toBe(true)
    expect(matchesTopic?.(`${'orders-eu-west-1-created'.repeat(LONG / 24)}:`)).toBe(false)
    expect(matchesTopic?.('orders-eu-west-1-created'.repeat(LONG / 24))).toBe(true)
  })

  it('counts the items of an expression: one per variable at most, however long the topic', () => {
    const names = Array.from({ length: 40 }, (_, i) => `v${i}`).join(',')
    const template = compileUriTemplate(`/s{/${names}}`)
    const segment = 'x'.repeat(LONG / 40)
    expect(template?.test(`/s${`/${segment}`.repeat(40)}`)).toBe(true)
    expect(template?.test(`/s${`/${segment}`.repeat(41)}`)).toBe(false)
    expect(compileUriTemplate('/s{/a,b}')?.test('/s/x/y')).toBe(true)
    expect(compileUriTemplate('/s{/a,b}')?.test('/s/x/y/z')).toBe(false)
    expect(compileUriTemplate('/s{?a,b}')?.test('/s?a=1&b=2&a=3')).toBe(false)
  })

  it('keeps the fewest items taken when two paths meet, and counts each expression anew', () => {
    // Entering after the first `b`, `/1b/2/3/4/5` is five items; after the second, four.
    expect(compileUriTemplate('{+x}b{/a,b,c,d}')?.test('b/1b/2/3/4/5')).toBe(true)
    expect(compileUriTemplate('{+x}b{/a,b,c,d}')?.test('b/1b/2/3/4/5/6')).toBe(false)
    expect(compileUriTemplate('{/a,b}{/c,d}')?.test('/1/2/3/4')).toBe(true)
    expect(compileUriTemplate('{/a,b}{/c,d}')?.test('/1/2/3/4/5')).toBe(false)
  })

  it('answers alike when it meets more sets of states than it keeps, and again after', () => {
    // After `{x}`, each `a` may start the literal run or stay in x: a new set at every step.
    const template = compileUriTemplate(`{x}${'a'.repeat(200)}{y}`)
    const topic = 'a'.repeat(LONG)
    for (let round = 0; round < 2; round++) {
      expect(template?.test(topic)).toBe(true)
      expect(template?.test(`${topic}:`)).toBe(false)
      expect(template?.test('a'.repeat(199))).toBe(false)
      expect(template?.test('a'.repeat(200))).toBe(true)
    }
  })
})
