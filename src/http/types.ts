/**
 * The framework-neutral request and response the HTTP layer speaks; adapters translate.
 */
import type { Sink } from '../stream/sink.js'

/** A request as any adapter can describe it. */
export interface HubRequest {
  /** Upper-case method. */
  readonly method: string
  /** The full URL (path and query are what matter). */
  readonly url: URL
  /** 1 for HTTP/1.x, 2 for HTTP/2. */
  readonly httpVersionMajor: number
  /** The client's IP address as the socket has it (a proxy's, behind one); absent: unknown. */
  readonly clientAddress?: string | undefined
  /** A header's value by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined
  /**
   * Reads the whole body.
   *
   * @throws {SseError} `ERR_SSE_PAYLOAD_TOO_LARGE` once it exceeds `limit` bytes.
   */
  body(limit: number): Promise<Uint8Array>
}

/** A complete response. */
export interface HubBodyResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array
}

/** A streaming response: headers are sent at once, then `start` writes through the sink. */
export interface HubStreamResponse {
  readonly status: 200
  readonly headers: Record<string, string>
  start(sink: Sink): void
}

/** What a handler answers. */
export type HubResponse = HubBodyResponse | HubStreamResponse
