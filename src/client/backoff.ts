/**
 * Waiting between attempts: exponential back-off with full jitter, and an abortable sleep.
 */
import type { ResolvedRetry } from './options.js'

/**
 * The wait before retry number `attempt` (from 0): a random time between 0 and
 * `min(maxMs, initialMs * 2^attempt)`. Full jitter rather than a fixed doubling: clients cut off
 * together (a deploy) then come back spread over the window, not in waves.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(
  attempt: number,
  policy: ResolvedRetry,
  random: () => number = Math.random,
): number {
  // 2^31 already exceeds any cap a timer accepts: stop the exponent there rather than overflow.
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 31))
  return Math.floor(random() * ceiling)
}

/** The longest delay a timer takes; a server's `retry:` may ask for more. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Resolves after `ms` (at most about 24 days), or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS))
    signal.addEventListener('abort', done, { once: true })
  })
}
