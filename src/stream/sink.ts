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
  /** Ends the response; idempotent. */
  end(): void
  /** Called once when the connection is gone, whoever ended it. */
  onClose(listener: () => void): void
}
