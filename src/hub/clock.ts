/**
 * The seed's clock: `Server time is …` published through the hub every interval.
 */
import type { Hub } from './hub.js'

/** The seed's text, for the time `now`. */
export function clockText(now: Date = new Date()): string {
  return `Server time is ${now.toLocaleTimeString()}`
}

/**
 * Publishes {@link clockText} to `topic` every `intervalMs`, like any other event (so it gets ids
 * and replay). Returns a function that stops it.
 */
export function startClock(hub: Hub, topic: string, intervalMs: number): () => void {
  const timer = setInterval(() => {
    // A closed hub rejects; the app stops the clock before closing the hub, so this is a race only.
    hub.publish(topic, { data: clockText() }).catch(() => {})
  }, intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
