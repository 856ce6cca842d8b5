/**
 * The response headers of an event stream.
 */

/**
 * Headers for a `text/event-stream` response.
 *
 * `Connection: keep-alive` only on HTTP/1.x (HTTP/2 forbids connection-specific headers);
 * `X-Accel-Buffering: no` so nginx passes each event on at once instead of buffering.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
export function eventStreamHeaders(httpVersionMajor: number): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  }
  if (httpVersionMajor < 2) headers.connection = 'keep-alive'
  return headers
}
