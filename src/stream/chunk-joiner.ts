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
  #slab: Uint8Array | undefined
  #slabAt = 0

  /** One buffer with `chunks` in order; the only chunk itself when there is one. */
  join(chunks: readonly Uint8Array[]): Uint8Array {
    if (chunks.length === 1) return chunks[0] as Uint8Array
    if (this.#lastJoined !== undefined && sameChunks(chunks, this.#lastChunks)) {
      return this.#lastJoined
    }
    this.#lastChunks = chunks.slice()
    this.#lastJoined = concatBytes(chunks, this.#allocate)
    return this.#lastJoined
  }

  // Joins are mostly small (a few events) and many in a pass: carved out of one slab, as Node's
  // `Buffer` pool does, since a new ArrayBuffer each costs several times the copy.
  readonly #allocate = (length: number): Uint8Array => {
    if (length > MAX_SLAB_JOIN_BYTES) return new Uint8Array(length)
    let slab = this.#slab
    if (slab === undefined || this.#slabAt + length > SLAB_BYTES) {
      slab = new Uint8Array(SLAB_BYTES)
      this.#slab = slab
      this.#slabAt = 0
    }
    const joined = slab.subarray(this.#slabAt, this.#slabAt + length)
    // Each join starts 8-byte aligned, as Node's pool keeps them.
    this.#slabAt += (length + 7) & ~7
    return joined
  }
}

/** Bytes of one slab the joins of a pass are carved from. */
const SLAB_BYTES = 16 * 1024
/** Joins larger than this get a buffer of their own. */
const MAX_SLAB_JOIN_BYTES = SLAB_BYTES / 4

function sameChunks(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * `chunks` in order in one buffer from `allocate` (a new one by default): one allocation of the
 * total length, each chunk copied once (as `Buffer.concat`, on web standards).
 */
export function concatBytes(
  chunks: readonly Uint8Array[],
  allocate: (length: number) => Uint8Array = (length) => new Uint8Array(length),
): Uint8Array {
  let length = 0
  for (let i = 0; i < chunks.length; i++) length += (chunks[i] as Uint8Array).byteLength
  const joined = allocate(length)
  let at = 0
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i] as Uint8Array
    joined.set(chunk, at)
    at += chunk.byteLength
  }
  return joined
}
