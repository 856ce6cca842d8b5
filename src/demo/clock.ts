/**
 * The demo's clock: `Server time is …` every interval, the stream the first `EventSource` page
 * of the project was written against.
 */
import type { Hub } from '../hub/hub.js'

/** Default clock topic, also the demo's default topic of `GET /events`. */
export const CLOCK_TOPIC = 'clock'

/** The clock's text, for the time `now`. */
export function clockText(now: Date = new Date()): string {
  return `Server time is ${now.toLocaleTimeString()}`
}

/**
 * Publishes {@link clockText} to `topic` every `intervalMs`, ephemeral: to this process's live
 * subscribers, without an id and never into the history, so ticks neither push real events out
 * of a bounded history nor move a client's last event id. Returns a function that stops it.
 *
 * @throws {TypeError} when `intervalMs` is not a finite number of at least 1 (a timer given 0,
 *   a negative number or NaN fires every millisecond).
 * @example
 * const stop = startClock(hub, 'clock', 1000)
 */
export function startClock(hub: Hub, topic: string, intervalMs: number): () => void {
  if (!(typeof intervalMs === 'number' && Number.isFinite(intervalMs) && intervalMs >= 1)) {
    throw new TypeError(
      `\`intervalMs\` must be a finite number of milliseconds, at least 1, got ${String(intervalMs)}`,
    )
  }
  const timer = setInterval(() => {
    // A closed hub rejects; the server stops the clock before closing the hub, so this is a race only.
    hub.publish(topic, { data: clockText() }, { ephemeral: true }).catch(() => {})
  }, intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
