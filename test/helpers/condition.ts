/**
 * Waiting, in tests, for a condition that something else makes true: no polling, no sleeps.
 */

/** A condition to wait on: whoever changes the state calls `changed()`. */
export interface Condition {
  /** Re-checks every pending wait; call it after each change of state. */
  changed(): void
  /**
   * Resolves once `done()` holds (checked now and on each `changed()`), or rejects after
   * `timeoutMs` with `describe()` in the message.
   */
  until(done: () => boolean, describe: () => string, timeoutMs: number): Promise<void>
}

/** Creates a {@link Condition}. */
export function createCondition(): Condition {
  const checks = new Set<() => void>()
  return {
    changed() {
      for (const check of checks) check()
    },
    until(done, describe, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!done()) return
          cleanup()
          resolve()
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out waiting for ${describe()}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          checks.delete(check)
        }
        checks.add(check)
        check()
      })
    },
  }
}
