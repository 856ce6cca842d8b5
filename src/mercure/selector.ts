/**
 * Mercure topic selectors: `*`, an exact topic, or an RFC 6570 URI template a topic must match.
 */
import { type CompiledTemplate, compileUriTemplate } from './uri-template.js'

/**
 * Templates are parsed once and kept; a bound keeps a flood of distinct selectors from growing
 * the cache for ever (past it, the cache starts over).
 */
const MAX_CACHED_TEMPLATES = 10_000
const templates = new Map<string, CompiledTemplate | null>()

function compiledTemplate(selector: string): CompiledTemplate | null {
  let compiled = templates.get(selector)
  if (compiled !== undefined) return compiled
  // null: not a valid URI template, so it can only match itself.
  compiled = compileUriTemplate(selector)
  if (templates.size >= MAX_CACHED_TEMPLATES) templates.clear()
  templates.set(selector, compiled)
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

/**
 * A subscriber's selectors split for the hub: plain topics go to its index, rules to a matcher.
 */
export function splitSelectors(selectors: readonly string[]): {
  topics: string[]
  matchesTopic: ((topic: string) => boolean) | undefined
} {
  const topics = selectors.filter((selector) => !isRuleSelector(selector))
  const rules = selectors.filter(isRuleSelector)
  if (rules.length === 0) return { topics, matchesTopic: undefined }
  if (rules.includes('*')) return { topics, matchesTopic: () => true }
  return {
    topics,
    matchesTopic: (topic) => rules.some((rule) => matchesSelector(rule, topic)),
  }
}
