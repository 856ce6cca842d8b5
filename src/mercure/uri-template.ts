/**
 * Matching a string against an RFC 6570 URI template, by compiling the template to an automaton
 * that cannot backtrack (`automaton.ts`): a match costs at most (string length) x (template size).
 *
 * Written here rather than taken from npm: the maintained matchers we tried accept strings no
 * expansion can produce (`/s{/a,b}` matched `/sx`; `{/a}` matched `a/b/c` with `/` inside one
 * segment) or refuse ones it can (`/s{/a}{/b}` against `/s`), and a topic selector that matches
 * too much leaks private updates. The rule is small: a string matches when some values of the
 * variables expand the template to it, so each expression becomes "optionally, the operator's
 * first character then values in the characters that operator lets through, separated as it
 * separates them".
 *
 * @see https://www.rfc-editor.org/rfc/rfc6570 section 3.2 (expression expansion)
 */
import {
  type Automaton,
  AutomatonBuilder,
  COMMA,
  type Fragment,
  HEX_DIGIT,
  RESERVED,
  SLASH,
  UNRESERVED,
} from './automaton.js'

interface Operator {
  /** What the expansion starts with when any variable is defined. */
  readonly first: string
  /** What separates the expanded variables. */
  readonly separator: string
  /** Whether each value is preceded by `name=` (or `name` alone for `;` with an empty value). */
  readonly named: boolean
  /** Whether reserved characters pass unencoded (`+` and `#`). */
  readonly reserved: boolean
}

const OPERATORS: Record<string, Operator> = {
  '': { first: '', separator: ',', named: false, reserved: false },
  '+': { first: '', separator: ',', named: false, reserved: true },
  '#': { first: '#', separator: ',', named: false, reserved: true },
  '.': { first: '.', separator: '.', named: false, reserved: false },
  '/': { first: '/', separator: '/', named: false, reserved: false },
  ';': { first: ';', separator: ';', named: true, reserved: false },
  '?': { first: '?', separator: '&', named: true, reserved: false },
  '&': { first: '&', separator: '&', named: true, reserved: false },
}

// Both run on text from outside, and both are linear: each character can be matched one way only.
const VARNAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/
const VARSPEC = /^([^:*]+)(?::([1-9][0-9]{0,3})|(\*))?$/

/** A compiled template: `test` tells whether a string is one of its expansions. */
export interface CompiledTemplate {
  /**
   * Whether `text` is one of the template's expansions, in time linear in `text`'s length: at
   * most (`text`'s length) x {@link CompiledTemplate.size} steps, whatever either is.
   */
  test(text: string): boolean
  /** States of its automaton: about one per character from the first expression on. */
  readonly size: number
}

/** One variable of an expression: its name, and whether it is exploded (`name*`). */
interface Variable {
  readonly name: string
  readonly explode: boolean
}

/**
 * Compiles `template`, or returns `null` when it is not a valid URI template (an unclosed `{`,
 * a bad variable name, a reserved operator…).
 */
export function compileUriTemplate(template: string): CompiledTemplate | null {
  const open = template.indexOf('{')
  // Every expansion begins with the text before the first expression: compared as a string.
  const prefix = open === -1 ? template : template.slice(0, open)
  if (prefix.includes('}')) return null
  const parts: Fragment[] = []
  const b = new AutomatonBuilder()
  let at = prefix.length
  while (at < template.length) {
    const next = template.indexOf('{', at)
    const literalEnd = next === -1 ? template.length : next
    const literal = template.slice(at, literalEnd)
    if (literal.includes('}')) return null
    parts.push(text(b, literal))
    if (next === -1) break
    const close = template.indexOf('}', next)
    if (close === -1) return null
    const expression = parseExpression(template.slice(next + 1, close))
    if (expression === null) return null
    parts.push(expressionFragment(b, expression.operator, expression.variables))
    at = close + 1
  }
  const accept = b.branch([])
  const automaton: Automaton = b.finish(sequence(...parts)(accept), accept)
  return {
    test: (candidate) =>
      candidate.startsWith(prefix) && automaton.matches(candidate, prefix.length),
    size: automaton.size,
  }
}

function parseExpression(body: string): { operator: Operator; variables: Variable[] } | null {
  const operatorChar = body[0] !== undefined && body[0] in OPERATORS ? body[0] : ''
  const operator = OPERATORS[operatorChar] as Operator
  const variables: Variable[] = []
  for (const varspec of body.slice(operatorChar.length).split(',')) {
    const match = VARSPEC.exec(varspec)
    if (match === null || !VARNAME.test(match[1] as string)) return null
    variables.push({ name: match[1] as string, explode: match[3] === '*' })
  }
  return { operator, variables }
}

/**
 * "Optionally, `first` then one variable's expansion, then up to one more per variable after a
 * separator." (A prefix modifier `:n` only shortens a value, which the value class already
 * allows.)
 */
function expressionFragment(
  b: AutomatonBuilder,
  operator: Operator,
  variables: readonly Variable[],
): Fragment {
  // Variables that expand alike are one alternative: the same language, fewer states.
  const distinct = new Map<string, Variable>()
  for (const variable of variables) {
    const key = operator.named && !variable.explode ? `=${variable.name}` : String(variable.explode)
    distinct.set(key, variable)
  }
  const item: Fragment = (next) =>
    b.branch([...distinct.values()].map((variable) => itemFragment(b, operator, variable)(next)))
  const separator = operator.separator.charCodeAt(0)
  const more: Fragment = (next) => {
    if (variables.length === 1) return next
    // At most `variables.length - 1` more items: counted, not unrolled (see automaton.ts).
    const head = b.branch([next])
    b.addBranch(head, b.consume(separator, item(head), variables.length - 1))
    return head
  }
  const expansion = sequence(text(b, operator.first), item, more)
  if (variables.length === 1) return (next) => b.branch([expansion(next), next])
  // The count `more` keeps is zeroed on leaving the expression, so it is zero outside counted
  // loops: the next expression's loop counts from zero, and equal sets of states are equal.
  return (next) => {
    const after = b.branch([next], true)
    return b.branch([expansion(after), after])
  }
}

function itemFragment(b: AutomatonBuilder, operator: Operator, variable: Variable): Fragment {
  // A list value not exploded is its items joined by commas, whatever the operator: values
  // separated by `,` (and by the operator's separator, exploded), `v(,v)*`, which is the same
  // language as one run of value characters and commas, `(c|,)*`, in one loop's states.
  const valueChars = operator.reserved ? UNRESERVED | RESERVED : UNRESERVED
  const list = (bits: number) => repeat(b, charClass(b, bits), percentEncoded(b))
  if (!operator.named) {
    const separator = operator.separator === '/' ? SLASH : 0 // `,` and `.` are in the class
    return list(valueChars | COMMA | (variable.explode ? separator : 0))
  }
  const key = variable.explode
    ? sequence(
        alternatives(b, charClass(b, UNRESERVED), percentEncoded(b)),
        repeat(b, charClass(b, UNRESERVED), percentEncoded(b)),
      )
    : text(b, variable.name)
  const value = list(valueChars | COMMA)
  const pair =
    operator.first === ';'
      ? sequence(key, optional(b, sequence(text(b, '='), value)))
      : sequence(key, text(b, '='), value)
  return variable.explode
    ? sequence(pair, repeat(b, sequence(text(b, operator.separator), pair)))
    : pair
}

function percentEncoded(b: AutomatonBuilder): Fragment {
  return sequence(text(b, '%'), charClass(b, HEX_DIGIT), charClass(b, HEX_DIGIT))
}

function text(b: AutomatonBuilder, literal: string): Fragment {
  return (next) => {
    let state = next
    for (let i = literal.length - 1; i >= 0; i--) state = b.consume(literal.charCodeAt(i), state)
    return state
  }
}

function charClass(b: AutomatonBuilder, bits: number): Fragment {
  return (next) => b.consume(-bits, next)
}

function sequence(...fragments: Fragment[]): Fragment {
  return (next) => fragments.reduceRight((state, fragment) => fragment(state), next)
}

function alternatives(b: AutomatonBuilder, ...fragments: Fragment[]): Fragment {
  return (next) => b.branch(fragments.map((fragment) => fragment(next)))
}

function optional(b: AutomatonBuilder, fragment: Fragment): Fragment {
  return (next) => b.branch([fragment(next), next])
}

/** Zero or more times any of `fragments`. */
function repeat(b: AutomatonBuilder, ...fragments: Fragment[]): Fragment {
  return (next) => {
    const head = b.branch([next])
    for (const fragment of fragments) b.addBranch(head, fragment(head))
    return head
  }
}
