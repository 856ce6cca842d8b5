/**
 * A sink that queues writes and hands them to the sink below once per event-loop turn.
 */
import { ChunkJoiner } from './chunk-joiner.js'
import { type FlushScheduler, sharedFlushScheduler } from './flush-scheduler.js'
import type { Sink } from './sink.js'

/**
 * Wraps a {@link Sink} so that all the events due to one connection in one turn reach it as
 * one write: a write costs a system call and per-call overhead in Node, the bytes hardly matter.
 *
 * `bufferedBytes` counts the queue too, so a stream's unsent-bytes cap still holds. `end`
 * writes what is queued first; a connection gone drops its queue.
 */
export class CoalescingSink implements Sink {
  readonly #inner: Sink
  readonly #scheduler: FlushScheduler
  // Mostly one chunk waits per turn (an event stream at a steady rate): it sits in `#first`, and
  // a list is made only for a second. Emptying one reused array (`length = 0`) cost a runtime
  // call and a regrown backing store on every write.
  #first: Uint8Array | undefined
  #more: Uint8Array[] | undefined
  #queuedBytes = 0
  #done = false

  constructor(inner: Sink, scheduler: FlushScheduler = sharedFlushScheduler) {
    this.#inner = inner
    this.#scheduler = scheduler
    inner.onClose(() => {
      this.#done = true
      this.#first = undefined
      this.#more = undefined
      this.#queuedBytes = 0
    })
  }

  write(chunk: Uint8Array): void {
    if (this.#done) return
    if (this.#first === undefined) {
      this.#first = chunk
      this.#scheduler.add(this)
    } else if (this.#more === undefined) {
      this.#more = [this.#first, chunk]
    } else {
      this.#more.push(chunk)
    }
    this.#queuedBytes += chunk.byteLength
  }

  get bufferedBytes(): number {
    return this.#queuedBytes + this.#inner.bufferedBytes
  }

  /** Writes the queue as one chunk (the scheduler calls this). */
  flush(joiner: ChunkJoiner): void {
    const first = this.#first
    if (first === undefined) return
    const more = this.#more
    this.#first = undefined
    this.#more = undefined
    this.#queuedBytes = 0
    this.#inner.write(more === undefined ? first : joiner.join(more))
  }

  end(): void {
    if (this.#done) return
    this.flush(new ChunkJoiner())
    this.#done = true
    this.#inner.end()
  }

  onClose(listener: () => void): void {
    this.#inner.onClose(listener)
  }
}
