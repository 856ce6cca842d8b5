// Test doubles for streams: sinks that keep what they are given, schedulers the test drives.
import { kDirectWrites } from '../../src/stream/direct-writes.js'
import { FlushScheduler } from '../../src/stream/flush-scheduler.js'
import type { Sink } from '../../src/stream/sink.js'

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (chunk: Uint8Array): string => new TextDecoder().decode(chunk)

/**
 * A sink that keeps what it is given and never sends it, so its buffer only grows until the
 * test calls `drain()`; `onDrain` listeners wait for that.
 */
export function memorySink(): Sink & {
  chunks: string[]
  writes: Uint8Array[]
  ended: boolean
  aborted: boolean
  hangUp(): void
  drain(): void
} {
  let closeListener = () => {}
  let drainListeners: Array<() => void> = []
  let buffered = 0
  const sink = {
    chunks: [] as string[],
    writes: [] as Uint8Array[],
    ended: false,
    aborted: false,
    write(chunk: Uint8Array) {
      sink.chunks.push(text(chunk))
      sink.writes.push(chunk)
      buffered += chunk.byteLength
    },
    get bufferedBytes() {
      return buffered
    },
    end() {
      sink.ended = true
    },
    abort() {
      sink.aborted = true
    },
    onDrain(listener: () => void) {
      drainListeners.push(listener)
    },
    onClose(listener: () => void) {
      closeListener = listener
    },
    hangUp: () => closeListener(),
    drain() {
      buffered = 0
      const listeners = drainListeners
      drainListeners = []
      for (const listener of listeners) listener()
    },
  }
  return sink
}

/** A scheduler whose turn ends when the test says so, and that always queues. */
export function manualScheduler(): {
  scheduler: FlushScheduler
  deferrals: number
  endTurn(): void
} {
  let pending: (() => void) | undefined
  const state = {
    scheduler: new FlushScheduler({
      defer: (run) => {
        state.deferrals++
        pending = run
      },
      quietMs: Number.POSITIVE_INFINITY,
    }),
    deferrals: 0,
    endTurn() {
      const run = pending
      pending = undefined
      run?.()
    },
  }
  return state
}

/** A scheduler on a clock the test moves, with turns the test ends. */
export function clockedScheduler(
  quietMs: number,
  sliceMs?: number,
  writeThroughMs?: number,
): {
  time: number
  scheduler: FlushScheduler
  endTurn(): void
} {
  let pending: (() => void) | undefined
  const state: { time: number; scheduler: FlushScheduler; endTurn(): void } = {
    time: 0,
    scheduler: new FlushScheduler({
      defer: (run) => {
        pending = run
      },
      now: (): number => state.time,
      quietMs,
      sliceMs,
      writeThroughMs,
    }),
    endTurn() {
      const run = pending
      pending = undefined
      run?.()
    },
  }
  return state
}

/** A socket-like target: what it was written, and as many unsent bytes as the test says. */
export interface MemoryTarget {
  writable: boolean
  writableLength: number
  writes: string[]
  /** Runs on each write (moves a clock, fills the buffer). */
  onWrite: () => void
  write(chunk: Uint8Array): void
}

export function memoryTarget(): MemoryTarget {
  const target: MemoryTarget = {
    writable: true,
    writableLength: 0,
    writes: [],
    onWrite: () => {},
    write(chunk) {
      target.writes.push(text(chunk))
      target.onWrite()
    },
  }
  return target
}

/**
 * A sink that, like node:http's once its headers are out, settles on its target after the first
 * write through it, framing each chunk with `frame` (brackets by default); its unsent bytes are
 * then the target's.
 */
export function settlingSink(
  frame: (chunk: Uint8Array) => Uint8Array = (chunk) => bytes(`[${text(chunk)}]`),
): ReturnType<typeof memorySink> & { target: MemoryTarget } {
  const target = memoryTarget()
  const sink = Object.assign(memorySink(), {
    target,
    [kDirectWrites]: () => (sink.chunks.length === 0 ? undefined : { target, frame }),
  })
  // A getter: Object.assign would copy its value once.
  Object.defineProperty(sink, 'bufferedBytes', { get: () => target.writableLength })
  return sink
}
