/**
 * The same bytes to many streams: in one loop over their sockets when the scheduler lets the
 * turn write at once, through each stream otherwise.
 */

import { kDirectWrites, type SinkTarget } from './direct-writes.js'
import { CLOCK_EVERY, type FlushScheduler } from './flush-scheduler.js'
import type { SseStream } from './sse-stream.js'

type Frame = (chunk: Uint8Array) => Uint8Array

/**
 * A set of streams written the same bytes (a topic's subscribers).
 *
 * Why a loop over targets: with a thousand streams, each object a delivery reaches runs cold in
 * the cache, and going from subscriber to stream to socket made a 1,000-stream fan-out 1 ms
 * slower than writing to an array of sockets (docs/decisions/0004). So the streams that write straight to a target are kept as an array of targets,
 * rebuilt after a change of members, and a write touches a stream only when its socket falls
 * behind.
 *
 * The loop keeps the streams' own rules: it writes at once only when no stream has anything
 * queued (so nothing overtakes queued bytes) and the scheduler's turn writes at once, not for
 * longer than that turn may, and only once per turn: later bytes of the turn queue behind, and
 * leave with the turn's flush in one write per stream. Everything else takes each stream's own
 * way ({@link SseStream.writeBytes}).
 */
export class StreamFanout {
  readonly #scheduler: FlushScheduler
  readonly #streams = new Set<SseStream>()
  // Built from `#streams` when `#stale`: those with a target (three arrays at one index), and
  // those still writing through their sink.
  #direct: SseStream[] = []
  #targets: SinkTarget[] = []
  #frames: Frame[] = []
  #others: SseStream[] = []
  #stale = false
  // The scheduler's turn in which the loop last wrote at once.
  #turn = -1

  /** `scheduler`: the one its streams share (the app's). */
  constructor(scheduler: FlushScheduler) {
    this.#scheduler = scheduler
  }

  /** How many streams it holds. */
  get size(): number {
    return this.#streams.size
  }

  /** Adds a stream; it must share this fan-out's scheduler. */
  add(stream: SseStream): void {
    this.#streams.add(stream)
    this.#stale = true
  }

  /** Removes a stream (a closed one is skipped until then). */
  delete(stream: SseStream): void {
    if (this.#streams.delete(stream)) this.#stale = true
  }

  /** Writes `bytes` to every stream, in the order each stream's writes were made. */
  write(bytes: Uint8Array): void {
    const scheduler = this.#scheduler
    if (this.#turn === scheduler.turn) {
      for (const stream of this.#streams) stream.queueBytes(bytes)
      return
    }
    if (scheduler.pending > 0 || !scheduler.decideWrite()) {
      for (const stream of this.#streams) stream.writeBytes(bytes)
      return
    }
    this.#turn = scheduler.turn
    if (this.#stale) this.#rebuild()
    this.#writeAtOnce(bytes)
    const others = this.#others
    for (let i = 0; i < others.length; i++) {
      const stream = others[i] as SseStream
      stream.writeBytes(bytes)
      // Its sink has settled on a target: from the next write on, it joins the loop.
      if (stream[kDirectWrites]() !== undefined) this.#stale = true
    }
  }

  #writeAtOnce(bytes: Uint8Array): void {
    const scheduler = this.#scheduler
    const targets = this.#targets
    const frames = this.#frames
    let frame: Frame | undefined
    let framed = bytes
    for (let i = 0; i < targets.length; i++) {
      if (i % CLOCK_EVERY === CLOCK_EVERY - 1 && !scheduler.recheckWriteThrough()) {
        // The turn has written for as long as it may: the rest queue for the flush passes.
        for (let j = i; j < targets.length; j++) (this.#direct[j] as SseStream).queueBytes(bytes)
        return
      }
      const target = targets[i] as SinkTarget
      // What the stream's own write checks: a connection ending or gone drops the bytes.
      if (!target.writable) continue
      // Mostly one framing for all (HTTP/1.1 chunks): framed once.
      if (frames[i] !== frame) {
        frame = frames[i] as Frame
        framed = frame(bytes)
      }
      target.write(framed)
      if (target.writableLength > 0) (this.#direct[i] as SseStream).targetHoldsBytes()
    }
  }

  #rebuild(): void {
    const direct: SseStream[] = []
    const targets: SinkTarget[] = []
    const frames: Frame[] = []
    const others: SseStream[] = []
    for (const stream of this.#streams) {
      const writes = stream[kDirectWrites]()
      if (writes === undefined) {
        if (!stream.closed) others.push(stream)
        continue
      }
      direct.push(stream)
      targets.push(writes.target)
      frames.push(writes.frame)
    }
    this.#direct = direct
    this.#targets = targets
    this.#frames = frames
    this.#others = others
    this.#stale = false
  }
}
