import fc from 'fast-check'
import { parseTemplate } from 'url-template'
import { describe, expect, it } from 'vitest'
import { compileUriTemplate } from '../../../src/mercure/uri-template.js'
import { compileToRegExp } from './uri-template-regexp.js'

// Random templates: literals, expressions of every operator with one to three variables,
// exploded or with a prefix, and now and then something that is not a template at all.
// The expander encodes the `%` of a name such as `%41` where RFC 6570 copies it: such names are
// only in templates checked against the RegExp.
const NAMES = ['a', 'b', 'ab', 'x.y'] as const
const expressionOf = (names: readonly string[]) =>
  fc
    .tuple(
      fc.constantFrom('', '+', '#', '.', '/', ';', '?', '&'),
      fc.array(
        fc
          .tuple(fc.constantFrom(...names), fc.constantFrom('', '*', ':3'))
          .map(([name, modifier]) => `${name}${modifier}`),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([operator, varspecs]) => `{${operator}${varspecs.join(',')}}`)
const expression = expressionOf(NAMES)
const notATemplate = fc.constantFrom('{', '}', '{}', '{a b}', '{!a}', '{a:0}')
// Literal characters an expander copies as they are, so its expansions are the template's own.
const uriChars = ['a', 'b', '/', '.', ',', ';', '?', '&', '=', '#', '-', '~', ':', '!', '2', 'F']
const uriTemplate = fc
  .array(fc.oneof(fc.string({ unit: fc.constantFrom(...uriChars), maxLength: 3 }), expression), {
    maxLength: 5,
  })
  .map((parts) => parts.join(''))
const anyTemplate = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...uriChars, '%', 'é') }) },
      { weight: 4, arbitrary: expressionOf([...NAMES, '%41']) },
      { weight: 1, arbitrary: notATemplate },
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''))

// Values without a stray `%`: the expander leaves one unencoded in `{+x}`, which no URI has.
const valueChars = [...uriChars, ' ', 'é', '%41', '[', '@', '*', '+']
const text = (maxLength: number) => fc.string({ unit: fc.constantFrom(...valueChars), maxLength })
// Long: a short random text repeated to about `length` characters, separators and all.
const longText = (length: number) =>
  fc
    .string({ unit: fc.constantFrom(...valueChars), minLength: 1, maxLength: 6 })
    .map((unit) => unit.repeat(Math.ceil(length / unit.length)))
const value = (string: fc.Arbitrary<string>) =>
  fc.oneof(fc.constant(undefined), string, fc.array(string, { minLength: 1, maxLength: 3 }))
const variables = (string: fc.Arbitrary<string>) =>
  fc.record(Object.fromEntries([...NAMES, '%41'].map((name) => [name, value(string)])))

function expand(template: string, vars: Record<string, unknown>): string {
  return parseTemplate(template).expand(vars as Record<string, string>)
}

// Strings near the template's language: expansions, one character inserted or dropped, a slice
// repeated (one item more than the variables allow), or random text.
const textChars = [...uriChars, '%', '4', '1', ' ', 'é', '=']
const nearby = (expansion: string) =>
  fc.oneof(
    fc.constant(expansion),
    fc
      .tuple(fc.nat(expansion.length), fc.nat(expansion.length))
      .map(
        ([from, to]) =>
          `${expansion.slice(0, to)}${expansion.slice(from, to)}${expansion.slice(to)}`,
      ),
    fc
      .tuple(fc.nat(expansion.length), fc.constantFrom(...textChars))
      .map(([at, char]) => `${expansion.slice(0, at)}${char}${expansion.slice(at)}`),
    fc.nat(expansion.length).map((at) => `${expansion.slice(0, at)}${expansion.slice(at + 1)}`),
    fc.string({ unit: fc.constantFrom(...textChars), maxLength: 12 }),
  )

describe('URI template matching against a RegExp oracle (property)', () => {
  it('answers as the backtracking RegExp does, on short strings', () => {
    fc.assert(
      fc.property(
        anyTemplate.chain((template) =>
          fc.tuple(
            fc.constant(template),
            variables(text(4))
              .map((vars) => expand(template, vars))
              .chain(nearby)
              .filter((text) => text.length <= 30),
          ),
        ),
        ([template, text]) => {
          const oracle = compileToRegExp(template)
          const compiled = compileUriTemplate(template)
          expect(compiled === null, template).toBe(oracle === null)
          if (compiled === null || oracle === null) return
          expect(compiled.test(text), `${template} against ${JSON.stringify(text)}`).toBe(
            oracle.test(text),
          )
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('matches long expansions and refuses them with a space glued on, in one pass each', () => {
    fc.assert(
      fc.property(uriTemplate, variables(longText(2000)), (template, vars) => {
        const compiled = compileUriTemplate(template)
        expect(compiled, template).not.toBeNull()
        const expansion = expand(template, vars)
        // A prefix (`:3`) may cut a `%41` in two, which the expander leaves in `{+x}` and `{#x}`.
        fc.pre(!/%(?![0-9A-Fa-f]{2})/.test(expansion))
        expect(compiled?.test(expansion), `${template} (${expansion.length})`).toBe(true)
        // No literal here has a space, and an expander encodes one: no expansion has it.
        expect(compiled?.test(`${expansion} `)).toBe(false)
        expect(compiled?.test(`${expansion.slice(0, expansion.length >> 1)} ${expansion}`)).toBe(
          false,
        )
      }),
      { numRuns: 200 },
    )
  })
})
