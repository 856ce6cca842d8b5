/**
 * Timers that never keep a process alive by themselves, on any runtime.
 */

/**
 * Lets the process exit while `timer` is pending, where the runtime can (Node's and Bun's
 * timers are objects with `unref`; a browser's or a worker's are numbers, and nothing waits for
 * them). Returns `timer`.
 *
 * @example const timer = unrefTimer(setInterval(beat, 1000))
 */
export function unrefTimer<T>(timer: T): T {
  ;(timer as { unref?: () => unknown } | undefined)?.unref?.()
  return timer
}
