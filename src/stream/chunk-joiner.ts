/**
 * Joins the chunks queued for one stream into one buffer, sharing the result between streams.
 */

/**
 * Joins queued chunks for one write each. In a broadcast most streams flushed in a turn queued
 * the very same chunks (the shared bytes of the same events), so the last join is kept and
 * handed out again when the next stream's chunks are identical by reference: one copy per run
 * of such streams instead of one per stream, and the sink below sees the same buffer object for
 * all of them.
 *
 * Use one joiner per flush pass, so a kept result never outlives the pass that made it.
 */
export class ChunkJoiner {
  #lastChunks: Uint8Array[] = []
  #lastJoined: Uint8Array | undefined

  /** One buffer with `chunks` in order; the only chunk itself when there is one. */
  join(chunks: readonly Uint8Array[]): Uint8Array {
    if (chunks.length === 1) return chunks[0] as Uint8Array
    if (this.#lastJoined !== undefined && sameChunks(chunks, this.#lastChunks)) {
      return this.#lastJoined
    }
    this.#lastChunks = chunks.slice()
    this.#lastJoined = concatBytes(chunks)
    return this.#lastJoined
  }
}

function sameChunks(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * `chunks` in order in one new buffer: one allocation of the total length, each chunk copied
 * once (as `Buffer.concat`, on web standards).
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (let i = 0; i < chunks.length; i++) length += (chunks[i] as Uint8Array).byteLength
  const joined = new Uint8Array(length)
  let at = 0
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i] as Uint8Array
    joined.set(chunk, at)
    at += chunk.byteLength
  }
  return joined
}
