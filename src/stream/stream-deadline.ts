/**
 * Ending a stream at a set time: when the credential that opened it expires.
 */

import { unrefTimer } from '../timers.js'

/** Longest delay `setTimeout` takes; past it Node fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The part of a stream a deadline needs. */
export interface ClosableStream {
  close(reason: 'server'): void
  onClose(listener: () => void): void
}

/**
 * Closes `stream` at `time` (ms since the epoch), at once if that has passed; the timer goes
 * when the stream closes first, and never keeps the process alive.
 *
 * @example closeStreamAt(stream, token.expiresAt) // a token's `exp`, in ms
 */
export function closeStreamAt(stream: ClosableStream, time: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const wait = () => {
    const delay = time - Date.now()
    if (!(delay > 0)) return stream.close('server')
    // A token may live longer than a timer can wait (24.8 days): wait in steps.
    timer = unrefTimer(setTimeout(wait, Math.min(delay, MAX_TIMER_MS)))
  }
  wait()
  stream.onClose(() => clearTimeout(timer))
}
