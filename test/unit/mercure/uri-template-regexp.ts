/**
 * An oracle for the URI template matcher: the same rules compiled to a JavaScript RegExp, which
 * backtracks, so only for inputs short enough for that to be harmless. A second implementation
 * written differently (alternations and counted repeats left to the RegExp engine), to check the
 * automaton against; never for a topic from outside a test.
 */

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

const PCT = '%[0-9A-Fa-f]{2}'
const UNRESERVED = 'A-Za-z0-9\\-._~'
const RESERVED = ":/?#\\[\\]@!$&'()*+,;="
const VARNAME = new RegExp(`^(?:[A-Za-z0-9_]|${PCT})(?:\\.?(?:[A-Za-z0-9_]|${PCT}))*$`)
const VARSPEC = /^([^:*]+)(?::([1-9][0-9]{0,3})|(\*))?$/

/** A compiled template, as a RegExp. */
export type BacktrackingTemplate = RegExp

/**
 * Compiles `template`, or returns `null` when it is not a valid URI template (an unclosed `{`,
 * a bad variable name, a reserved operator…).
 */
export function compileToRegExp(template: string): BacktrackingTemplate | null {
  let pattern = '^'
  let at = 0
  while (at < template.length) {
    const open = template.indexOf('{', at)
    const literalEnd = open === -1 ? template.length : open
    const literal = template.slice(at, literalEnd)
    if (literal.includes('}')) return null
    pattern += escapeRegExp(literal)
    if (open === -1) break
    const close = template.indexOf('}', open)
    if (close === -1) return null
    const expression = expressionPattern(template.slice(open + 1, close))
    if (expression === null) return null
    pattern += expression
    at = close + 1
  }
  return new RegExp(`${pattern}$`)
}

function expressionPattern(body: string): string | null {
  const operatorChar =
    body[0] !== undefined && body[0] in OPERATORS && body[0] !== '' ? body[0] : ''
  const operator = OPERATORS[operatorChar] as Operator
  const varspecs = body.slice(operatorChar.length).split(',')
  const items: string[] = []
  for (const varspec of varspecs) {
    const match = VARSPEC.exec(varspec)
    if (match === null || !VARNAME.test(match[1] as string)) return null
    items.push(itemPattern(operator, match[1] as string, match[3] === '*'))
  }
  const item = items.length === 1 ? (items[0] as string) : `(?:${items.join('|')})`
  const separator = escapeRegExp(operator.separator)
  // Up to one item per variable (any of them defined), or nothing at all when none is.
  const more = items.length > 1 ? `(?:${separator}${item}){0,${items.length - 1}}` : ''
  return `(?:${escapeRegExp(operator.first)}${item}${more})?`
}

function itemPattern(operator: Operator, name: string, explode: boolean): string {
  const chars = operator.reserved ? `[${UNRESERVED}${RESERVED}]|${PCT}` : `[${UNRESERVED}]|${PCT}`
  const value = `(?:${chars})*`
  // A list value not exploded is its items joined by commas, whatever the operator.
  const list = `${value}(?:,${value})*`
  if (!operator.named) {
    return explode ? `${list}(?:${escapeRegExp(operator.separator)}${list})*` : list
  }
  const key = explode ? `(?:[${UNRESERVED}]|${PCT})+` : escapeRegExp(name)
  const pair = operator.first === ';' ? `${key}(?:=${list})?` : `${key}=${list}`
  return explode ? `${pair}(?:${escapeRegExp(operator.separator)}${pair})*` : pair
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
