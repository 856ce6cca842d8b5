import fc from 'fast-check'
import { parseTemplate } from 'url-template'
import { describe, expect, it } from 'vitest'
import { compileUriTemplate } from '../../../src/mercure/uri-template.js'

// Templates covering every operator, lists, explode and several variables per expression.
const TEMPLATES = [
  'https://example.com/books/{id}',
  'https://example.com/{a}/{b}.json',
  'https://example.com/users/foo/{?topic}',
  'https://example.com/s{?a,b}{&c}',
  'https://example.com/{+path}',
  'https://example.com/page{#section}',
  '/.well-known/mercure/subscriptions{/topic}{/subscriber}',
  'https://example.com/x{/list*}',
  'https://example.com/file{.ext}',
  'https://example.com/m{;p,q}',
  'https://example.com/{a,b}',
]

// A `%` not starting a triplet is left as is by the expander in `{+x}` and `{#x}`, though RFC
// 6570 says to encode it: such strings are not URIs, and the matcher rightly refuses them.
const text = (maxLength: number) =>
  fc.string({ unit: 'grapheme', maxLength }).filter((s) => !/%(?![0-9A-Fa-f]{2})/.test(s))
const value = fc.oneof(
  fc.constant(undefined),
  text(12),
  fc.array(text(6), { minLength: 1, maxLength: 3 }),
)
const variables = fc.record({
  id: value,
  a: value,
  b: value,
  c: value,
  topic: value,
  path: value,
  section: value,
  subscriber: value,
  list: value,
  ext: value,
  p: value,
  q: value,
})

describe('URI template matching (property)', () => {
  it('matches every expansion of the template (RFC 6570, by an independent expander)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEMPLATES), variables, (template, vars) => {
        const expanded = parseTemplate(template).expand(vars as Record<string, string>)
        expect(compileUriTemplate(template)?.test(expanded), expanded).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('never matches a string with a prefix or suffix glued to an expansion', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TEMPLATES.filter((t) => !t.includes('{+') && !t.includes('{#'))),
        variables,
        fc.constantFrom('x', '/x', '?x', ' '),
        (template, vars, glued) => {
          const expanded = parseTemplate(template).expand(vars as Record<string, string>)
          expect(compileUriTemplate(template)?.test(`${glued}${expanded}`)).toBe(false)
        },
      ),
      { numRuns: 500 },
    )
  })
})
