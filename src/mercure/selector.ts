/**
 * Mercure topic selectors: `*`, an exact topic, or an RFC 6570 URI template a topic must match.
 */
import { type CompiledTemplate, compileUriTemplate } from './uri-template.js'

/**
 * Templates are compiled once and kept, the matchers below too; a bound on the automaton states
 * each cache holds (about a character of template each) keeps a flood of distinct selectors from
 * growing it for ever: past it, the cache starts over. Ten thousand templates of a hundred
 * characters fit.
 */
const MAX_CACHED_STATES = 1_000_000
const templates = new Map<string, CompiledTemplate | null>()
let templateStates = 0

function compiledTemplate(selector: string): CompiledTemplate | null {
  let compiled = templates.get(selector)
  if (compiled !== undefined) return compiled
  // null: not a valid URI template, so it can only match itself.
  compiled = compileUriTemplate(selector)
  const size = compiled?.size ?? 1
  if (templateStates + size > MAX_CACHED_STATES) {
    templates.clear()
    templateStates = 0
  }
  templates.set(selector, compiled)
  templateStates += size
  return compiled
}

/**
 * Whether `topic` matches `selector`, by the steps of the Mercure draft ("Topic Selectors"):
 *
 * > 1. If the topic selector is `*` then the string matches the selector.
 * > 2. If the topic selector and the string are exactly the same, the string matches the
 * >    selector. This characteristic allows to compare a URI Template with another one.
 * > 3. If the topic selector is a valid URI Template, and that the string matches this URI
 * >    Template, the string matches the selector.
 * > 4. Otherwise the string does not match the selector.
 */
export function matchesSelector(selector: string, topic: string): boolean {
  if (selector === '*' || selector === topic) return true
  // A template without an expression is a plain URI: step 2 has already compared it.
  if (!isTemplate(selector)) return false
  return compiledTemplate(selector)?.test(topic) ?? false
}

/** Whether any topic matches any selector. */
export function anyMatches(selectors: readonly string[], topics: readonly string[]): boolean {
  return selectors.some((selector) => topics.some((topic) => matchesSelector(selector, topic)))
}

/** Whether a selector matches by rule (`*` or a template), not only the topic equal to it. */
export function isRuleSelector(selector: string): boolean {
  return selector === '*' || isTemplate(selector)
}

function isTemplate(selector: string): boolean {
  return selector.includes('{')
}

/** A subscriber's selectors as the hub takes them. */
export interface SplitSelectors {
  /** The plain topics, for the hub's index by name. */
  topics: string[]
  /** The rules (`*`, templates), or `undefined` when there are none. */
  matchesTopic: ((topic: string) => boolean) | undefined
  /** What every topic the rules accept begins with: the common start of their literal text. */
  topicPrefix: string
}

type Rule = (topic: string) => boolean

const matchesEveryTopic: Rule = () => true
/**
 * One matcher per set of rules, shared by the subscribers that ask for it: the hub asks a shared
 * matcher once per event for all of them. Bounded as the templates are.
 */
const matchers = new Map<string, Rule>()
let matcherStates = 0

/**
 * A subscriber's selectors split for the hub: plain topics go to its index, rules to a matcher,
 * the same function for the same rules.
 */
export function splitSelectors(selectors: readonly string[]): SplitSelectors {
  const topics = selectors.filter((selector) => !isRuleSelector(selector))
  const rules = [...new Set(selectors.filter(isRuleSelector))].sort()
  if (rules.length === 0) return { topics, matchesTopic: undefined, topicPrefix: '' }
  if (rules.includes('*')) return { topics, matchesTopic: matchesEveryTopic, topicPrefix: '' }
  // Topics hold no control characters, so a line feed cannot occur inside a rule.
  const key = rules.join('\n')
  let matcher = matchers.get(key)
  if (matcher === undefined) {
    const compiled = rules.map((rule) => ({ rule, template: compiledTemplate(rule) }))
    const size = compiled.reduce((sum, { template }) => sum + (template?.size ?? 1), 0)
    if (matcherStates + size > MAX_CACHED_STATES) {
      matchers.clear()
      matcherStates = 0
    }
    matcher = matcherOf(compiled)
    matchers.set(key, matcher)
    matcherStates += size
  }
  return { topics, matchesTopic: matcher, topicPrefix: commonPrefix(rules.map(literalStart)) }
}

function matcherOf(rules: readonly { rule: string; template: CompiledTemplate | null }[]): Rule {
  // The steps of `matchesSelector`, the template compiled now rather than looked up per event:
  // the hub asks on the publish path. A template matches itself (step 2), valid or not.
  const tests = rules.map(({ rule, template }): Rule => {
    return template === null
      ? (topic) => topic === rule
      : (topic) => topic === rule || template.test(topic)
  })
  if (tests.length === 1) return tests[0] as Rule
  return (topic) => tests.some((test) => test(topic))
}

/**
 * The text a template's expansions all begin with: up to its first expression. (An invalid
 * template matches only itself, which begins with it too.)
 */
function literalStart(template: string): string {
  return template.slice(0, template.indexOf('{'))
}

function commonPrefix(texts: readonly string[]): string {
  let prefix = texts[0] ?? ''
  for (const text of texts) {
    let length = 0
    while (length < prefix.length && prefix[length] === text[length]) length++
    prefix = prefix.slice(0, length)
  }
  return prefix
}
