/**
 * The socket fast path: an optional capability a sink may offer, known only to the adapter
 * that makes such a sink and to the delivery code. Not part of the public API (not re-exported
 * from the package entry): a sink from anywhere else simply lacks it and every write goes
 * through {@link Sink.write}.
 */
import type { Sink } from './sink.js'

/**
 * The key of the capability, a symbol no one outside can name (as undici keys its internals):
 * a sink that has it answers, once every write goes to one fixed target (a socket), that
 * target, for the stream to write to itself, one object fewer per write than through the sink.
 */
export const kDirectWrites: unique symbol = Symbol('ssehub.directWrites')

/** A byte stream in the shape of a socket, as a sink with {@link kDirectWrites} offers it. */
export interface SinkTarget {
  /** Whether bytes can still go out: `false` once the connection is ending or gone. */
  readonly writable: boolean
  /** Bytes written and not yet handed to the operating system. */
  readonly writableLength: number
  write(chunk: Uint8Array): unknown
}

/** Where a sink's writes go once settled, and what each write needs around it. */
export interface DirectWrites {
  readonly target: SinkTarget
  /** The bytes as the target takes them: framed (an HTTP/1.1 chunk), or as they are. */
  readonly frame: (chunk: Uint8Array) => Uint8Array
}

/** Something that may offer direct writes: a sink with the capability, or a stream over one. */
export interface HasDirectWrites {
  /** The target, once settled; `undefined` until then (asked after each write until answered). */
  [kDirectWrites](): DirectWrites | undefined
}

/** A sink with the socket fast path. */
export type DirectSink = Sink & HasDirectWrites

/** `sink`'s direct writes if it has the capability and has settled; `undefined` otherwise. */
export function directWritesOf(sink: Sink): DirectWrites | undefined {
  return (sink as Partial<HasDirectWrites>)[kDirectWrites]?.()
}
