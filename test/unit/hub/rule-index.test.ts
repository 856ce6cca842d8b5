import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RuleIndex, type TopicRule } from '../../../src/hub/rule-index.js'
import type { Subscriber } from '../../../src/hub/types.js'

const subscriber = (name: string): Subscriber => ({ topics: [name], deliver: () => {} })

/** A rule that records each topic it is asked about. */
function countingRule(accept: (topic: string) => boolean): TopicRule & { asked: string[] } {
  const asked: string[] = []
  return Object.assign(
    (topic: string) => {
      asked.push(topic)
      return accept(topic)
    },
    { asked },
  )
}

const matches = (index: RuleIndex, topics: string[]) => {
  const found: Subscriber[] = []
  index.forEachMatch(topics, (s) => found.push(s))
  return found
}

describe('RuleIndex', () => {
  it('asks only the rules whose prefix the topic begins with', () => {
    const index = new RuleIndex()
    const books = countingRule(() => true)
    const users = countingRule(() => true)
    const reader = subscriber('reader')
    index.add(reader, books, '/books/', new Set())
    index.add(subscriber('admin'), users, '/users/', new Set())
    expect(matches(index, ['/books/1'])).toEqual([reader])
    expect(books.asked).toEqual(['/books/1'])
    expect(users.asked).toEqual([])
    // Shorter than the prefix, and equal to it.
    expect(matches(index, ['/books'])).toEqual([])
    expect(matches(index, ['/books/'])).toEqual([reader])
  })

  it('asks a rule shared by many subscribers once per topic', () => {
    const index = new RuleIndex()
    const rule = countingRule((topic) => topic !== '/books/none')
    const members = Array.from({ length: 100 }, (_, i) => subscriber(`s${i}`))
    for (const member of members) index.add(member, rule, '/books/', new Set())
    expect(matches(index, ['/books/1'])).toEqual(members)
    expect(matches(index, ['/books/none'])).toEqual([])
    expect(rule.asked).toEqual(['/books/1', '/books/none'])
  })

  it('skips a subscriber already reached by one of its exact topics', () => {
    const index = new RuleIndex()
    const both = subscriber('both')
    index.add(both, () => true, '', new Set(['a']))
    expect(matches(index, ['a'])).toEqual([])
    expect(matches(index, ['b', 'a'])).toEqual([])
    expect(matches(index, ['b'])).toEqual([both])
  })

  it('visits a subscriber once when several topics of an event match its rule', () => {
    const index = new RuleIndex()
    const rule = countingRule(() => true)
    const one = subscriber('one')
    index.add(one, rule, '/b', new Set())
    expect(matches(index, ['/books/1', '/books/2', '/authors/1'])).toEqual([one])
  })

  it('asks the next topic when the first found the group but did not match', () => {
    const index = new RuleIndex()
    const one = subscriber('one')
    index.add(one, (topic) => topic === '/books/2', '/books/', new Set())
    expect(matches(index, ['/books/1', '/books/2'])).toEqual([one])
  })

  it('takes a rule that throws as no match, and still finds the others', () => {
    const index = new RuleIndex()
    const fine = subscriber('fine')
    index.add(
      subscriber('broken'),
      () => {
        throw new Error('boom')
      },
      '',
      new Set(),
    )
    index.add(fine, () => true, '', new Set())
    expect(matches(index, ['t'])).toEqual([fine])
  })

  it('forgets a removed subscriber, once, and its prefix with the last one', () => {
    const index = new RuleIndex()
    const rule = countingRule(() => true)
    const a = subscriber('a')
    const b = subscriber('b')
    const removeA = index.add(a, rule, '/x/', new Set())
    const removeB = index.add(b, rule, '/x/', new Set())
    removeA()
    removeA()
    expect(index.size).toBe(1)
    expect(matches(index, ['/x/1'])).toEqual([b])
    removeB()
    expect(index.size).toBe(0)
    rule.asked.length = 0
    expect(matches(index, ['/x/1'])).toEqual([])
    expect(rule.asked).toEqual([])
    // Added again after the prefix was dropped.
    index.add(a, rule, '/x/', new Set())
    expect(matches(index, ['/x/1'])).toEqual([a])
  })

  it('finds exactly what asking every subscriber would find', () => {
    // Short names from a small alphabet, so prefixes, topics and exact topics overlap often.
    const name = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 4 })
    const entry = fc.record({
      prefix: name,
      // Rules are shared by index in this list, as subscribers with the same selectors share one.
      rule: fc.nat({ max: 2 }),
      exact: fc.uniqueArray(name, { maxLength: 2 }),
      removed: fc.boolean(),
    })
    const rules: TopicRule[] = [
      (topic) => topic.length % 2 === 0,
      (topic) => topic.includes('b'),
      () => true,
    ]
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 12 }),
        fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
        (entries, topics) => {
          const index = new RuleIndex()
          const kept: Array<{
            subscriber: Subscriber
            prefix: string
            rule: TopicRule
            exact: string[]
          }> = []
          entries.forEach((e, i) => {
            const s = subscriber(`s${i}`)
            const rule = rules[e.rule] as TopicRule
            const remove = index.add(s, rule, e.prefix, new Set(e.exact))
            if (e.removed) remove()
            else kept.push({ subscriber: s, prefix: e.prefix, rule, exact: e.exact })
          })
          const expected = kept
            .filter(
              (k) =>
                topics.some((t) => t.startsWith(k.prefix) && k.rule(t)) &&
                !topics.some((t) => k.exact.includes(t)),
            )
            .map((k) => k.subscriber)
          const found = matches(index, topics)
          expect(new Set(found)).toEqual(new Set(expected))
          expect(found.length).toBe(expected.length)
        },
      ),
    )
  })
})
