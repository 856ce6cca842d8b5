/**
 * One client connection: writes events (at once after a quiet spell, else once per flush pass),
 * sends a replay page by page as the client takes it, enforces the unsent-bytes cap and the
 * write-stall limit, releases all on close.
 */
import { encodeEvent } from '../protocol/encode.js'
import type { SseEvent } from '../protocol/types.js'
import { ChunkJoiner, concatBytes } from './chunk-joiner.js'
import {
  type DirectWrites,
  directWritesOf,
  kDirectWrites,
  type SinkTarget,
} from './direct-writes.js'
import { type Flushable, FlushScheduler } from './flush-scheduler.js'
import type { Sink } from './sink.js'

/** Default for {@link SseStreamOptions.maxBufferedBytes}: 1 MiB of unsent bytes per stream. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024

/**
 * Most bytes of a replay handed to the sink at once: the next page goes when the client has
 * taken this one, so a client resuming from far back holds one page of unsent bytes, not the
 * history.
 */
export const REPLAY_PAGE_BYTES = 64 * 1024

/**
 * Why a stream closed: the client left, the server ended it, or the server cut it because its
 * unsent bytes passed the cap (`overflow`) or none of them left for too long (`stalled`).
 */
export type CloseReason = 'client' | 'server' | 'overflow' | 'stalled'

/** Options of an {@link SseStream}. */
export interface SseStreamOptions {
  /**
   * Unsent bytes a slow client may have queued before it is closed; it reconnects with its last
   * event id and is sent what it missed, so nothing is lost. `null`: no cap.
   * @defaultValue {@link DEFAULT_MAX_BUFFERED_BYTES}
   */
  maxBufferedBytes?: number | null | undefined
  /**
   * Where the stream queues itself to be flushed: the app's, shared by all its streams so that
   * a turn's writes are decided and flushed once for all. A stream given none has its own.
   */
  scheduler?: FlushScheduler | undefined
}

/**
 * One event-stream connection over a {@link Sink}.
 *
 * In a busy turn of the event loop, everything written reaches the sink as one write, when the
 * scheduler flushes: a write costs a system call and per-call overhead in Node, the bytes
 * hardly matter. After a quiet spell, the first write goes straight to the sink (see
 * {@link FlushScheduler}). The queue lives here, not in a wrapping sink, because a broadcast
 * touches every subscriber's stream once per event, and with thousands of them each object a
 * delivery reaches is one more likely cache miss.
 *
 * `write` returns `false` once the stream is closed; `onClose` listeners run exactly once.
 */
export class SseStream implements Flushable {
  readonly #sink: Sink
  readonly #maxBufferedBytes: number
  readonly #scheduler: FlushScheduler
  readonly #closeListeners: Array<(reason: CloseReason) => void> = []
  // Mostly one chunk waits per flush (an event stream at a steady rate): it sits in `#first`, and
  // a list is made only for a second. Emptying one reused array (`length = 0`) cost a runtime
  // call and a regrown backing store on every write.
  #first: Uint8Array | undefined
  #more: Uint8Array[] | undefined
  #queuedBytes = 0
  // Whether the sink held unsent bytes after the last flush. Its count only grows by our
  // flushes, so when it held none then it holds none now, and the cap check on every write need
  // not reach into the socket's state.
  #sinkMayHoldBytes = false
  // The scheduler's turn in which this stream last wrote at once: later writes of that turn queue.
  #wroteAtOnceInTurn = -1
  // Where writes go once the sink has settled on a target (kDirectWrites): written there
  // straight, not through the sink. In a broadcast at a steady rate every write runs cold, and
  // each object it reaches is one more likely cache miss (docs/decisions/0001). Two fields,
  // not the DirectWrites object, for the same reason: set together, read on every write.
  #target: SinkTarget | undefined
  #frame: ((chunk: Uint8Array) => Uint8Array) | undefined
  // A replay being sent (see `sendBacklog`): what is written meanwhile queues behind it.
  #backlog: readonly Uint8Array[] | undefined
  #backlogAt = 0
  // Unsent bytes at the last stall check, and since when they have held without shrinking.
  #heldAtCheck = 0
  #heldSince: number | undefined
  #closed = false

  constructor(sink: Sink, options: SseStreamOptions = {}) {
    this.#sink = sink
    this.#maxBufferedBytes = options.maxBufferedBytes ?? Number.POSITIVE_INFINITY
    this.#scheduler = options.scheduler ?? new FlushScheduler()
    sink.onClose(() => this.#finish('client'))
  }

  /** Whether the stream has closed. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Its cap on unsent bytes ({@link SseStreamOptions.maxBufferedBytes}); `Infinity` when it has
   * none. What is held back for it elsewhere (per-key conflation) counts against it too.
   */
  get maxBufferedBytes(): number {
    return this.#maxBufferedBytes
  }

  /** Bytes written and not yet handed to the operating system: queued here or in the sink. */
  get bufferedBytes(): number {
    return this.#sinkMayHoldBytes ? this.#queuedBytes + this.#sink.bufferedBytes : this.#queuedBytes
  }

  /**
   * Whether earlier writes are still waiting: a replay being sent, bytes queued for the next
   * flush, or bytes the connection holds that the operating system has not taken (per-key
   * conflation holds keyed events back meanwhile: `conflation.ts`).
   */
  get connectionBehind(): boolean {
    return this.#backlog !== undefined || this.bufferedBytes > 0
  }

  /** Calls `listener` once the connection can take more (see {@link Sink.onDrain}). */
  whenDrained(listener: () => void): void {
    if (!this.#closed) this.#sink.onDrain(listener)
  }

  /**
   * Writes bytes already encoded (shared by every subscriber of an event), or queues them for
   * the scheduler's next flush of this stream.
   *
   * Queued bytes count against the cap as well as the sink's: a producer that never yields to
   * the event loop (awaiting only promises) would otherwise queue without bound. A stream late
   * in a long flush pass holds what was published meanwhile: in a broadcast, what the server
   * sends in the few microseconds a pass spends per stream, far under the default cap
   * (docs/decisions/0002).
   *
   * @returns `false` when the stream is closed, or has just been closed for exceeding its cap.
   */
  writeBytes(bytes: Uint8Array): boolean {
    if (this.#closed) return false
    const scheduler = this.#scheduler
    // Queued bytes (a stream the flush pass under way has not reached yet) must leave first.
    if (
      this.#first === undefined &&
      this.#backlog === undefined &&
      this.#wroteAtOnceInTurn !== scheduler.turn &&
      scheduler.decideWrite()
    ) {
      this.#wroteAtOnceInTurn = scheduler.turn
      this.#writeToSink(bytes)
    } else {
      this.#enqueue(bytes)
    }
    return this.#withinCap()
  }

  /**
   * Queues bytes for the scheduler's next flush of this stream, even in a turn that writes at
   * once: for bytes that follow a write made to this stream's target around it in the same turn
   * ({@link StreamFanout}), so that they leave together.
   *
   * @returns `false` when the stream is closed, or has just been closed for exceeding its cap.
   */
  queueBytes(bytes: Uint8Array): boolean {
    if (this.#closed) return false
    this.#enqueue(bytes)
    return this.#withinCap()
  }

  /**
   * Where this stream's writes go straight, once settled (see {@link kDirectWrites}), for
   * a writer that writes many streams' targets at once; `undefined` before that or once closed.
   * Internal to the delivery code: keyed by a symbol the package does not export.
   * @internal
   */
  [kDirectWrites](): DirectWrites | undefined {
    const target = this.#target
    // While a replay is sent, writes must queue behind it, not go to the socket around it.
    if (target === undefined || this.#closed || this.#backlog !== undefined) return undefined
    return { target, frame: this.#frame as (chunk: Uint8Array) => Uint8Array }
  }

  /**
   * Tells the stream its target holds unsent bytes after a write made to it around the stream:
   * they count against the cap from now on, and the cap is checked.
   */
  targetHoldsBytes(): void {
    if (this.#closed) return
    this.#sinkMayHoldBytes = true
    this.#withinCap()
  }

  /** Encodes and writes one event for this stream alone. @throws {SseError} for a bad field. */
  write(event: SseEvent): boolean {
    return this.writeBytes(encodeEvent(event))
  }

  /**
   * Sends `chunks` (a replay: events' bytes, shared with the history) ahead of everything
   * written from now on, a page of at most {@link REPLAY_PAGE_BYTES} at a time, each once the
   * sink has drained the last. Writes made meanwhile queue behind the replay and count against
   * the cap, so a client that never reads holds one page and the cap, then is cut. Called once,
   * as the stream opens, before anything else is written to it.
   */
  sendBacklog(chunks: readonly Uint8Array[]): void {
    if (this.#closed || chunks.length === 0) return
    this.#backlog = chunks
    this.#backlogAt = 0
    this.#sendBacklogPage()
  }

  /**
   * Closes the stream when none of its unsent bytes has left since it was last asked, for
   * `stallMs` or longer: a client that stopped reading while events keep coming. Call it
   * periodically (a {@link StallWatch} does).
   *
   * @returns whether it closed the stream.
   */
  closeIfStalled(now: number, stallMs: number): boolean {
    if (this.#closed) return false
    const held = this.bufferedBytes
    if (held === 0) {
      this.#heldSince = undefined
    } else if (this.#heldSince === undefined || held < this.#heldAtCheck) {
      this.#heldSince = now
    } else if (now - this.#heldSince >= stallMs) {
      this.close('stalled')
      return true
    }
    this.#heldAtCheck = held
    return false
  }

  /** Hands the queue to the sink as one write (the scheduler calls this). */
  flush(joiner: ChunkJoiner): void {
    const first = this.#first
    // Bytes written during a replay leave after it (see `sendBacklog`).
    if (first === undefined || this.#backlog !== undefined) return
    const more = this.#more
    this.#first = undefined
    this.#more = undefined
    this.#queuedBytes = 0
    this.#writeToSink(more === undefined ? first : joiner.join(more))
  }

  /**
   * Ends the stream, after what is queued and an optional last event (e.g. a `retry:` hint);
   * idempotent. A stream cut for `overflow` or `stalled` is aborted instead: its connection
   * goes at once with everything unsent.
   */
  close(reason: CloseReason = 'server', last?: Uint8Array): void {
    if (this.#closed) return
    if (reason === 'overflow' || reason === 'stalled') {
      this.#sink.abort()
      this.#finish(reason)
      return
    }
    if (this.#backlog !== undefined) {
      // Mid-replay, what was queued behind it would leave a hole before it: the client resumes
      // from the last event it got instead.
      this.#backlog = undefined
      this.#first = undefined
      this.#more = undefined
      this.#queuedBytes = 0
    }
    if (last !== undefined) this.#enqueue(last)
    this.flush(new ChunkJoiner())
    this.#sink.end()
    this.#finish(reason)
  }

  /** Runs `listener` once when the stream closes, with why. */
  onClose(listener: (reason: CloseReason) => void): void {
    if (this.#closed) listener('client')
    else this.#closeListeners.push(listener)
  }

  // One page of the backlog to the sink, then the next once it has drained; at the end, what
  // queued meanwhile is flushed.
  readonly #sendBacklogPage = (): void => {
    const backlog = this.#backlog
    if (backlog === undefined || this.#closed) return
    // A page well under the cap, so that the page in the sink and the writes queued behind it
    // do not pass it together.
    const pageBytes = Math.min(REPLAY_PAGE_BYTES, this.#maxBufferedBytes / 4)
    const page: Uint8Array[] = []
    let size = 0
    let at = this.#backlogAt
    while (at < backlog.length && (page.length === 0 || size < pageBytes)) {
      const chunk = backlog[at++] as Uint8Array
      page.push(chunk)
      size += chunk.byteLength
    }
    this.#backlogAt = at
    this.#writeToSink(page.length === 1 ? (page[0] as Uint8Array) : concatBytes(page))
    if (at < backlog.length) {
      this.#sink.onDrain(this.#sendBacklogPage)
      return
    }
    this.#backlog = undefined
    if (this.#first !== undefined) this.#scheduler.add(this)
  }

  #writeToSink(bytes: Uint8Array): void {
    const target = this.#target
    if (target !== undefined) {
      // What the sink's own write checks: a connection ending or gone drops the bytes.
      if (target.writable) target.write((this.#frame as (chunk: Uint8Array) => Uint8Array)(bytes))
      this.#sinkMayHoldBytes = target.writableLength > 0
      return
    }
    const sink = this.#sink
    sink.write(bytes)
    this.#sinkMayHoldBytes = sink.bufferedBytes > 0
    const direct = directWritesOf(sink)
    if (direct !== undefined) {
      this.#target = direct.target
      this.#frame = direct.frame
    }
  }

  // Closes the stream once its unsent bytes pass the cap; whether it is still open.
  #withinCap(): boolean {
    if (this.bufferedBytes <= this.#maxBufferedBytes) return true
    this.close('overflow')
    return false
  }

  #enqueue(bytes: Uint8Array): void {
    if (this.#first === undefined) {
      this.#first = bytes
      this.#scheduler.add(this)
    } else if (this.#more === undefined) {
      this.#more = [this.#first, bytes]
    } else {
      this.#more.push(bytes)
    }
    this.#queuedBytes += bytes.byteLength
  }

  #finish(reason: CloseReason): void {
    if (this.#closed) return
    this.#closed = true
    // A connection gone drops its queue.
    this.#first = undefined
    this.#more = undefined
    this.#queuedBytes = 0
    this.#backlog = undefined
    for (const listener of this.#closeListeners.splice(0)) listener(reason)
  }
}
