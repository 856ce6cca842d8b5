/**
 * The response headers of an event stream.
 */

/**
 * Headers for a `text/event-stream` response.
 *
 * `Connection: keep-alive` only on HTTP/1.x (HTTP/2 forbids connection-specific headers);
 * `X-Accel-Buffering: no` so nginx passes each event on at once instead of buffering;
 * `Cache-Control: no-transform` so compression middleware (`compression`, `@fastify/compress`,
 * Hono's `compress`) and proxies leave the stream as it is: a compressor holds bytes back until
 * its block fills, and an event would wait there for the ones after it.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
export function eventStreamHeaders(httpVersionMajor: number): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  }
  if (httpVersionMajor < 2) headers.connection = 'keep-alive'
  return headers
}
