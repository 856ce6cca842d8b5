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
}
