import { describe, expect, it } from 'vitest'
import { anyMatches, matchesSelector, splitSelectors } from '../../../src/mercure/selector.js'
import { compileUriTemplate } from '../../../src/mercure/uri-template.js'

describe('Mercure topic selectors', () => {
  it.each([
    // [selector, topic, matches]
    ['*', 'https://example.com/anything', true],
    ['https://example.com/books/1', 'https://example.com/books/1', true],
    ['https://example.com/books/1', 'https://example.com/books/12', false],
    ['https://example.com/books', 'https://example.com/books/1', false],
    // a template matches itself (step 2), so selectors can be compared
    ['https://example.com/books/{id}', 'https://example.com/books/{id}', true],
    ['https://example.com/books/{id}', 'https://example.com/books/1', true],
    ['https://example.com/books/{id}', 'https://example.com/books/a%2Fb', true],
    // {id} does not cross `/`, and there is no prefix or suffix matching
    ['https://example.com/books/{id}', 'https://example.com/books/1/reviews', false],
    ['https://example.com/books/{id}', 'xhttps://example.com/books/1', false],
    ['https://example.com/books/{id}', 'https://example.com/books/1?x=y', false],
    ['https://example.com/books/{id}.json', 'https://example.com/books/1.json', true],
    ['https://example.com/{a}/{b}', 'https://example.com/x/y', true],
    ['https://example.com/{a}/{b}', 'https://example.com/x', false],
    // {?q}: an optional query
    ['https://example.com/users/foo/{?topic}', 'https://example.com/users/foo/', true],
    [
      'https://example.com/users/foo/{?topic}',
      'https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1',
      true,
    ],
    ['https://example.com/users/foo/{?topic}', 'https://example.com/users/bar/?topic=x', false],
    ['https://example.com/users/foo/{?topic}', 'https://example.com/users/foo/?other=x', false],
    ['https://example.com/s{?a,b}', 'https://example.com/s?a=1&b=2', true],
    // reserved expansion lets `/` through
    ['https://example.com/{+path}', 'https://example.com/a/b/c', true],
    ['https://example.com/{#frag}', 'https://example.com/#a/b', true],
    // path segments: none, one or both defined, and nothing glued on
    ['/s{/topic}{/subscriber}', '/s', true],
    ['/s{/topic}{/subscriber}', '/s/a', true],
    ['/s{/topic}{/subscriber}', '/s/a%2Fb/urn%3Auuid%3A1', true],
    ['/s{/topic}{/subscriber}', '/s/a/b/c', false],
    ['/s{/topic,subscriber}', '/sx', false],
    ['/s{/list*}', '/s/a/b/c', true],
    ['https://example.com/{.ext}', 'https://example.com/.json', true],
    ['https://example.com/x{;p}', 'https://example.com/x;p=1', true],
    // not a valid template: only the same string matches
    ['https://example.com/{unclosed', 'https://example.com/{unclosed', true],
    ['https://example.com/{unclosed', 'https://example.com/1', false],
    ['https://example.com/{=x}', 'https://example.com/1', false],
  ])('%s against %s: %s', (selector, topic, expected) => {
    expect(matchesSelector(selector, topic)).toBe(expected)
  })

  it('refuses templates RFC 6570 does not allow', () => {
    for (const bad of ['{', '}', '{}', '{a b}', '{a:0}', '{a:10000}', '{!a}', '{a}}']) {
      expect(compileUriTemplate(bad), bad).toBeNull()
    }
  })

  it('matches when any selector matches any topic, canonical or alternate', () => {
    expect(
      anyMatches(
        ['https://example.com/users/foo/{?topic}'],
        ['/books/1', 'https://example.com/users/foo/?topic=1'],
      ),
    ).toBe(true)
    expect(anyMatches(['https://example.com/users/foo/{?topic}'], ['/books/1'])).toBe(false)
    expect(anyMatches([], ['/books/1'])).toBe(false)
  })

  it('splits selectors into topics for the index and a rule for the rest', () => {
    const { topics, matchesTopic } = splitSelectors(['a', 'https://example.com/{id}'])
    expect(topics).toEqual(['a'])
    expect(matchesTopic?.('https://example.com/1')).toBe(true)
    expect(matchesTopic?.('b')).toBe(false)
    expect(splitSelectors(['a', 'b']).matchesTopic).toBeUndefined()
    expect(splitSelectors(['*']).matchesTopic?.('anything')).toBe(true)
  })

  it('gives subscribers with the same rules one matcher, in whatever order they list them', () => {
    const one = splitSelectors(['https://example.com/{id}', 'a', 'https://example.com/b/{x}'])
    const other = splitSelectors(['https://example.com/b/{x}', 'https://example.com/{id}'])
    expect(other.matchesTopic).toBe(one.matchesTopic)
    expect(splitSelectors(['https://example.com/{id}']).matchesTopic).not.toBe(one.matchesTopic)
    expect(splitSelectors(['*', 'https://example.com/{id}']).matchesTopic).toBe(
      splitSelectors(['*']).matchesTopic,
    )
  })

  it('matches by rule as matchesSelector does, a template matching itself', () => {
    const { matchesTopic } = splitSelectors(['https://example.com/books/{id}'])
    expect(matchesTopic?.('https://example.com/books/{id}')).toBe(true)
    expect(matchesTopic?.('https://example.com/books/1')).toBe(true)
    expect(matchesTopic?.('https://example.com/books/1/2')).toBe(false)
  })

  it('names the text every topic its rules accept begins with', () => {
    expect(splitSelectors(['https://example.com/books/{id}']).topicPrefix).toBe(
      'https://example.com/books/',
    )
    expect(
      splitSelectors(['https://example.com/books/{id}', 'https://example.com/bots{/id}'])
        .topicPrefix,
    ).toBe('https://example.com/bo')
    // An invalid template matches only itself.
    const invalid = splitSelectors(['https://example.com/{bad id}'])
    expect(invalid.topicPrefix).toBe('https://example.com/')
    expect(invalid.matchesTopic?.('https://example.com/{bad id}')).toBe(true)
    expect(invalid.matchesTopic?.('https://example.com/1')).toBe(false)
    expect(splitSelectors(['*', 'https://example.com/{id}']).topicPrefix).toBe('')
    expect(splitSelectors(['a']).topicPrefix).toBe('')
  })
})
