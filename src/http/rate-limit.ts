/**
 * The publish rate limit: a token bucket per publisher, in events a second.
 */
import { TooManyRequestsError } from '../errors.js'
import type { HubRequest } from './types.js'

/** Default for the most publishers whose buckets are kept at once. */
export const DEFAULT_MAX_RATE_BUCKETS = 10_000

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date, in ms. */
  at: number
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Events a second each publisher may publish, on average. */
  readonly rate: number
  /** Events a publisher may publish at once after a quiet spell. */
  readonly burst: number
  /**
   * Most buckets kept; past it the least recently used one goes (its publisher starts again with
   * a full bucket). @defaultValue {@link DEFAULT_MAX_RATE_BUCKETS}
   */
  readonly maxBuckets?: number | undefined
  /** The clock, in ms. @defaultValue `performance.now` */
  readonly now?: (() => number) | undefined
}

/**
 * Token buckets by publisher key. A bucket holds up to `burst` events and refills at `rate` a
 * second. A publish is let in while its publisher has one event left; the rest of a batch is
 * then charged even past empty, so a batch is never refused for its size but is paid for before
 * the next publish.
 *
 * Memory stays bounded: buckets are kept least recently used first, one refilled to full is the
 * same as none and is dropped when met at that end, and past `maxBuckets` the oldest goes.
 */
export class RateLimiter {
  readonly #rate: number
  readonly #burst: number
  readonly #maxBuckets: number
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(options: RateLimiterOptions) {
    this.#rate = options.rate
    this.#burst = options.burst
    this.#maxBuckets = options.maxBuckets ?? DEFAULT_MAX_RATE_BUCKETS
    this.#now = options.now ?? (() => performance.now())
  }

  /** Buckets kept now. */
  get size(): number {
    return this.#buckets.size
  }

  /**
   * Takes one event from `key`'s bucket.
   *
   * @returns `key`, to {@link RateLimiter.charge} the rest of a batch to.
   * @throws {TooManyRequestsError} when it has less than one, saying how long until it has.
   */
  take(key: string): string {
    const now = this.#now()
    const bucket = this.#bucket(key, now)
    if (bucket.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate))
      throw new TooManyRequestsError(
        `publishing faster than ${this.#rate} events a second (${this.#burst} at once); retry in ${seconds} s`,
        seconds,
      )
    }
    bucket.tokens -= 1
    return key
  }

  /** Takes `events` more from `key`'s bucket, past empty if need be (the rest of a batch). */
  charge(key: string, events: number): void {
    if (events <= 0) return
    this.#bucket(key, this.#now()).tokens -= events
  }

  #bucket(key: string, now: number): Bucket {
    this.#dropIdle(now)
    let bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxBuckets) {
        this.#buckets.delete(this.#buckets.keys().next().value as string)
      }
      bucket = { tokens: this.#burst, at: now }
    } else {
      // Moved to the newest end: the map's order is least recently used first.
      this.#buckets.delete(key)
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) * this.#rate) / 1000)
      bucket.at = now
    }
    this.#buckets.set(key, bucket)
    return bucket
  }

  // A few at a time from the oldest end, so each call does bounded work and idle buckets go.
  #dropIdle(now: number): void {
    for (let i = 0; i < 2; i++) {
      const oldest = this.#buckets.entries().next().value
      if (oldest === undefined) return
      const [key, bucket] = oldest
      if (bucket.tokens + ((now - bucket.at) * this.#rate) / 1000 < this.#burst) return
      this.#buckets.delete(key)
    }
  }
}

/** The bucket of those who publish with the app's one publish key: they share it. */
export const PUBLISH_KEY_HOLDERS = 'key'

/**
 * Whom a publish counts against when not the publish key's holders: the `subject` it
 * authenticated as (a JWT's `sub`), else its client's address, an IPv6 one by its /64 (one
 * host's usual share). Behind a proxy every client has the proxy's address: authenticate there.
 */
export function publisherKey(request: HubRequest, subject: string | undefined): string {
  if (subject !== undefined) return `sub:${subject}`
  return `ip:${addressKey(request.clientAddress)}`
}

/** An address as a bucket key: IPv4 whole, IPv6 by its first 64 bits. */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown'
  const bare = address.replace(/%.*$/, '').toLowerCase()
  if (!bare.includes(':')) return bare
  if (bare.startsWith('::ffff:') && bare.includes('.')) return bare.slice(7)
  const [head = '', tail] = bare.split('::', 2)
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = Math.max(0, 8 - headGroups.length - tailGroups.length)
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups]
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}
