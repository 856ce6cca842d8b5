import { describe, expect, it } from 'vitest'
import { SseError } from '../../../src/errors.js'
import { resolveMercureOptions } from '../../../src/mercure/options.js'
import {
  assertClaimSelectors,
  assertQuerySelectors,
  DEFAULT_SELECTOR_LIMITS,
} from '../../../src/mercure/selector-limits.js'

const limits = { ...DEFAULT_SELECTOR_LIMITS, maxSelectors: 2, maxClaimSelectors: 3 }

function refusal(check: () => void): string {
  try {
    check()
  } catch (error) {
    expect(error).toBeInstanceOf(SseError)
    expect((error as SseError).code).toBe('ERR_SSE_SELECTOR_LIMIT')
    return (error as Error).message
  }
  throw new Error('not refused')
}

describe('selector limits', () => {
  it('defaults to 64 selectors, 1,024 in a claim, templates of 1,024 characters and 16 expressions', () => {
    expect(resolveMercureOptions().selectorLimits).toEqual({
      maxSelectors: 64,
      maxClaimSelectors: 1024,
      maxTemplateLength: 1024,
      maxTemplateExpressions: 16,
    })
  })

  it('refuses a limit that is not a positive integer, naming the option', () => {
    expect(() => resolveMercureOptions({ maxSelectors: 0 })).toThrow(
      new TypeError('`maxSelectors` must be a positive integer, got 0'),
    )
    expect(() => resolveMercureOptions({ maxTemplateLength: 1.5 })).toThrow(/`maxTemplateLength`/)
    expect(resolveMercureOptions({ maxTemplateExpressions: 4 }).selectorLimits).toMatchObject({
      maxTemplateExpressions: 4,
      maxSelectors: 64,
    })
  })

  it('counts the selectors of a query and of a claim against their own limits', () => {
    expect(() => assertQuerySelectors(['a', 'b'], limits)).not.toThrow()
    expect(refusal(() => assertQuerySelectors(['a', 'b', 'c'], limits))).toMatch(/at most 2/)
    expect(() => assertClaimSelectors(['a', 'b', 'c'], 'mercure.subscribe', limits)).not.toThrow()
    expect(() => assertClaimSelectors(undefined, 'mercure.publish', limits)).not.toThrow()
    expect(
      refusal(() => assertClaimSelectors(['a', 'b', 'c', 'd'], 'mercure.publish', limits)),
    ).toMatch(/`mercure.publish` may list at most 3 selectors, got 4/)
  })

  it('limits templates only, counting each `{` as an expression', () => {
    const small = { ...limits, maxTemplateLength: 10, maxTemplateExpressions: 2 }
    expect(() => assertQuerySelectors(['x'.repeat(2048)], small)).not.toThrow()
    expect(() => assertQuerySelectors(['/{a}{b}'], small)).not.toThrow()
    expect(refusal(() => assertQuerySelectors(['/{a}{b}{c}'], small))).toMatch(/3 expressions/)
    // Not a valid template, but one that would be matched as a rule: limited all the same.
    expect(refusal(() => assertQuerySelectors(['/{{{'], small))).toMatch(/3 expressions/)
    expect(refusal(() => assertQuerySelectors(['/aaaaaaaa{b}'], small))).toMatch(
      /12 characters, more than the 10 allowed/,
    )
  })
})
