/**
 * The small interface one stream writes through, so the stream works over any server.
 */

/**
 * Where one client connection's bytes go: an adapter makes one per response (node:http, a web
 * `ReadableStream`, …). The stream never sees the server behind it.
 */
export interface Sink {
  /** Queues bytes for the client. Never throws; after the connection is gone it drops them. */
  write(chunk: Uint8Array): void
  /** Bytes queued and not yet handed to the operating system. */
  readonly bufferedBytes: number
  /** Ends the response after what was written; idempotent. */
  end(): void
  /**
   * Ends the connection at once, dropping whatever is unsent: for a client that stopped reading,
   * whose unsent bytes and socket would otherwise be held until it went away. Idempotent.
   */
  abort(): void
  /**
   * Calls `listener` once when the sink can take more: after its connection has drained when
   * the last writes filled it, else soon (in a later turn, never synchronously). Not called
   * when the connection goes first.
   */
  onDrain(listener: () => void): void
  /** Called once when the connection is gone, whoever ended it. */
  onClose(listener: () => void): void
  /**
   * Once every write goes to one fixed target (a socket): that target, for the stream to write
   * to itself, one object fewer per write than through the sink. A stream asks after each write
   * through the sink until it gets one. Optional.
   */
  directWrites?(): DirectWrites | undefined
}

/**
 * A byte stream in the shape of Node's `Writable` (a socket), as {@link Sink.directWrites}
 * offers it.
 */
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
