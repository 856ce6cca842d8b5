/**
 * How many topic selectors a subscriber may ask for, and how large a URI template may be: each
 * template is matched on the publish path against topics other people publish, so its size is
 * paid by every publish.
 */
import { SseError } from '../errors.js'

/** Default {@link SelectorLimits.maxSelectors}. */
export const DEFAULT_MAX_SELECTORS = 64
/** Default {@link SelectorLimits.maxClaimSelectors}. */
export const DEFAULT_MAX_CLAIM_SELECTORS = 1024
/** Default {@link SelectorLimits.maxTemplateLength}. */
export const DEFAULT_MAX_TEMPLATE_LENGTH = 1024
/** Default {@link SelectorLimits.maxTemplateExpressions}. */
export const DEFAULT_MAX_TEMPLATE_EXPRESSIONS = 16

/** Limits on topic selectors, each a positive integer. */
export interface SelectorLimits {
  /**
   * Most selectors (`topic` query parameters) one subscription may ask for.
   * @defaultValue {@link DEFAULT_MAX_SELECTORS} (64)
   */
  readonly maxSelectors: number
  /**
   * Most selectors a JWS claim (`mercure.subscribe`, `mercure.publish`) may list. More than a
   * query may: the claim is signed by the application, but each private event is checked
   * against it.
   * @defaultValue {@link DEFAULT_MAX_CLAIM_SELECTORS} (1,024)
   */
  readonly maxClaimSelectors: number
  /**
   * Longest URI template selector, in UTF-16 code units, from a query or a claim. A plain topic
   * has the topic limit (`MAX_TOPIC_LENGTH`, 2,048): it is looked up, not matched.
   * @defaultValue {@link DEFAULT_MAX_TEMPLATE_LENGTH} (1,024)
   */
  readonly maxTemplateLength: number
  /**
   * Most expressions (`{…}`) in one URI template selector, from a query or a claim: the states
   * a match may be in at once grow with them.
   * @defaultValue {@link DEFAULT_MAX_TEMPLATE_EXPRESSIONS} (16)
   */
  readonly maxTemplateExpressions: number
}

/** The default limits. */
export const DEFAULT_SELECTOR_LIMITS: SelectorLimits = {
  maxSelectors: DEFAULT_MAX_SELECTORS,
  maxClaimSelectors: DEFAULT_MAX_CLAIM_SELECTORS,
  maxTemplateLength: DEFAULT_MAX_TEMPLATE_LENGTH,
  maxTemplateExpressions: DEFAULT_MAX_TEMPLATE_EXPRESSIONS,
}

/**
 * Checks the `topic` selectors of a subscription against `limits`.
 *
 * @throws {SseError} `ERR_SSE_SELECTOR_LIMIT` naming the limit exceeded.
 */
export function assertQuerySelectors(selectors: readonly string[], limits: SelectorLimits): void {
  if (selectors.length > limits.maxSelectors) {
    throw new SseError(
      'ERR_SSE_SELECTOR_LIMIT',
      `at most ${limits.maxSelectors} \`topic\` selectors per subscription, got ${selectors.length}`,
    )
  }
  assertTemplates(selectors, limits, 'a `topic` selector')
}

/**
 * Checks the selectors of a JWS claim against `limits`; `undefined` (no claim) passes.
 *
 * @throws {SseError} `ERR_SSE_SELECTOR_LIMIT` naming the claim and the limit exceeded.
 */
export function assertClaimSelectors(
  selectors: readonly string[] | undefined,
  claim: 'mercure.subscribe' | 'mercure.publish',
  limits: SelectorLimits,
): void {
  if (selectors === undefined) return
  if (selectors.length > limits.maxClaimSelectors) {
    throw new SseError(
      'ERR_SSE_SELECTOR_LIMIT',
      `the JWS claim \`${claim}\` may list at most ${limits.maxClaimSelectors} selectors, got ${selectors.length}`,
    )
  }
  assertTemplates(selectors, limits, `a selector of the JWS claim \`${claim}\``)
}

function assertTemplates(selectors: readonly string[], limits: SelectorLimits, what: string): void {
  for (const selector of selectors) {
    // Every expression opens with `{`; a selector without one is a plain topic.
    let expressions = 0
    for (let at = selector.indexOf('{'); at !== -1; at = selector.indexOf('{', at + 1)) {
      expressions++
    }
    if (expressions === 0) continue
    if (selector.length > limits.maxTemplateLength) {
      throw new SseError(
        'ERR_SSE_SELECTOR_LIMIT',
        `${what} is a URI template of ${selector.length} characters, more than the ${limits.maxTemplateLength} allowed`,
      )
    }
    if (expressions > limits.maxTemplateExpressions) {
      throw new SseError(
        'ERR_SSE_SELECTOR_LIMIT',
        `${what} is a URI template of ${expressions} expressions, more than the ${limits.maxTemplateExpressions} allowed`,
      )
    }
  }
}

/**
 * `limits` with defaults filled in, each checked.
 *
 * @throws {TypeError} naming the option that is not a positive integer.
 */
export function resolveSelectorLimits(
  limits: {
    readonly [K in keyof SelectorLimits]?: number | undefined
  },
): SelectorLimits {
  const resolved: { -readonly [K in keyof SelectorLimits]: number } = { ...DEFAULT_SELECTOR_LIMITS }
  for (const name of Object.keys(DEFAULT_SELECTOR_LIMITS) as (keyof SelectorLimits)[]) {
    const value = limits[name]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`\`${name}\` must be a positive integer, got ${String(value)}`)
    }
    resolved[name] = value
  }
  return resolved
}
