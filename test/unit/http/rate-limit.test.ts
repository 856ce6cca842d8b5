import { describe, expect, it } from 'vitest'
import { TooManyRequestsError } from '../../../src/errors.js'
import { addressKey, RateLimiter } from '../../../src/http/rate-limit.js'

function limiter(options: { rate: number; burst: number; maxBuckets?: number }) {
  const clock = { ms: 0 }
  return { clock, limiter: new RateLimiter({ ...options, now: () => clock.ms }) }
}

function refusal(take: () => unknown): TooManyRequestsError | undefined {
  try {
    take()
    return undefined
  } catch (error) {
    if (error instanceof TooManyRequestsError) return error
    throw error
  }
}

describe('rate limiter', () => {
  it('lets a burst through, then refuses with the whole seconds until the next event', () => {
    const { limiter: l } = limiter({ rate: 0.5, burst: 3 })
    for (let i = 0; i < 3; i++) l.take('a')
    const refused = refusal(() => l.take('a'))
    expect(refused?.code).toBe('ERR_SSE_TOO_MANY_REQUESTS')
    expect(refused?.retryAfterSeconds).toBe(2)
  })

  it('refills at its rate, never past its burst', () => {
    const { clock, limiter: l } = limiter({ rate: 10, burst: 2 })
    l.take('a')
    l.take('a')
    clock.ms += 100
    l.take('a')
    expect(refusal(() => l.take('a'))).toBeDefined()
    clock.ms += 60_000
    l.take('a')
    l.take('a')
    expect(refusal(() => l.take('a'))).toBeDefined()
  })

  it('keeps publishers apart', () => {
    const { limiter: l } = limiter({ rate: 1, burst: 1 })
    l.take('a')
    expect(refusal(() => l.take('a'))).toBeDefined()
    expect(refusal(() => l.take('b'))).toBeUndefined()
  })

  it('charges the rest of a batch past empty, and makes the publisher wait it out', () => {
    const { clock, limiter: l } = limiter({ rate: 2, burst: 5 })
    l.charge(l.take('a'), 9)
    // 5 - 10 = -5: six events to earn back at 2 a second.
    expect(refusal(() => l.take('a'))?.retryAfterSeconds).toBe(3)
    clock.ms += 2_999
    expect(refusal(() => l.take('a'))).toBeDefined()
    clock.ms += 1
    expect(refusal(() => l.take('a'))).toBeUndefined()
  })

  it('keeps at most maxBuckets, the least recently used going first', () => {
    const { limiter: l } = limiter({ rate: 1, burst: 1, maxBuckets: 3 })
    for (let i = 0; i < 10; i++) l.take(`p${i}`)
    expect(l.size).toBe(3)
    // The newest three are still empty; the first one was dropped and starts again full.
    expect(refusal(() => l.take('p9'))).toBeDefined()
    expect(refusal(() => l.take('p0'))).toBeUndefined()
  })

  it('drops buckets that have refilled as publishers come and go', () => {
    const { clock, limiter: l } = limiter({ rate: 1, burst: 1 })
    for (let i = 0; i < 100; i++) {
      l.take(`p${i}`)
      clock.ms += 500
    }
    // Each has refilled a second after its publish: only the latest two are still counted.
    expect(l.size).toBeLessThanOrEqual(3)
  })
})

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:1:2:3', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key)
  })

  it('tells two /64 networks apart', () => {
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'))
  })
})
