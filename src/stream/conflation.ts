/**
 * Per-key conflation: a stream that has fallen behind is sent the newest event of each key, not
 * every one, once its connection takes bytes again.
 *
 * An event published with a `key` (a stock's symbol, a sensor's name) is the latest value of
 * that key: an older one still unsent is worth nothing once a newer one exists. While the
 * stream's connection holds bytes the operating system has not taken (the client reads slower
 * than events come), keyed events wait here, one per key, the newest replacing the older; when
 * the connection drains they leave together, in the order each key last changed. The stream
 * then stays under its unsent-bytes cap however fast the keys change, and is not cut, while a
 * client that keeps up sees every event. What is held counts against that cap as well: many
 * keys of large events on a stream that never drains are unsent bytes like any other, and cut
 * the stream (`overflow`) rather than growing without bound. Events without a key are never
 * held: they queue on the stream as always (so a keyed event may leave after an unkeyed one
 * published later).
 */
import type { SseStream } from './sse-stream.js'

/** Most keys held for one stream; past it, a new key's event is written as any other. */
export const MAX_CONFLATED_KEYS = 4096

/** What one stream holds back while it is behind. */
class Held {
  readonly latest = new Map<string, Uint8Array>()
  // Sum of the byte lengths in `latest`.
  bytes = 0
  waiting = false

  clear(): void {
    this.latest.clear()
    this.bytes = 0
  }
}

// Per stream, made at its first keyed event that finds it behind; gone with the stream.
const heldByStream = new WeakMap<SseStream, Held>()

/**
 * Writes a keyed event to `stream`: at once while the stream keeps up, else held as its key's
 * newest value until the connection drains.
 *
 * @returns `false` when the stream is closed (or closed now for exceeding its cap).
 */
export function writeConflated(stream: SseStream, key: string, bytes: Uint8Array): boolean {
  const held = heldByStream.get(stream)
  if (held?.waiting !== true && !stream.connectionBehind) return stream.writeBytes(bytes)
  if (stream.closed) return false
  const state = held ?? holdFor(stream)
  const latest = state.latest
  const previous = latest.get(key)
  if (previous === undefined && latest.size >= MAX_CONFLATED_KEYS) return stream.writeBytes(bytes)
  // Deleted first, so that the map's order is the order in which each key last changed.
  latest.delete(key)
  latest.set(key, bytes)
  state.bytes += bytes.byteLength - (previous?.byteLength ?? 0)
  if (state.bytes + stream.bufferedBytes > stream.maxBufferedBytes) {
    // Held bytes are unsent bytes: past the cap the stream is cut as if they had queued.
    stream.close('overflow')
    return false
  }
  if (!state.waiting) {
    state.waiting = true
    const release = state
    stream.whenDrained(() => releaseHeld(stream, release))
  }
  return true
}

/** How many keys `stream` holds back now (for tests and diagnostics). */
export function conflatedKeys(stream: SseStream): number {
  return heldByStream.get(stream)?.latest.size ?? 0
}

// The stream's state, made at its first held event; dropped as the stream closes, when no drain
// will come to release it.
function holdFor(stream: SseStream): Held {
  const held = new Held()
  heldByStream.set(stream, held)
  stream.onClose(() => {
    held.clear()
    heldByStream.delete(stream)
  })
  return held
}

function releaseHeld(stream: SseStream, held: Held): void {
  held.waiting = false
  if (stream.closed) return void held.clear()
  const chunks = [...held.latest.values()]
  held.clear()
  for (const chunk of chunks) if (!stream.writeBytes(chunk)) return
}
