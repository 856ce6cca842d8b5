/**
 * What `ssehub publish` and `ssehub subscribe` say when a hub cannot be reached or refuses: in
 * words a person can act on, never the HTTP client's internal names (`UND_ERR_SOCKET`).
 */

/** Network error codes (from `fetch`'s `cause`), as a person would say them. */
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is `ssehub serve` running there?',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped arriving',
  UND_ERR_SOCKET: 'the server closed the connection without answering: is this an ssehub hub?',
  UND_ERR_CLOSED: 'the server closed the connection without answering',
}

/**
 * Why a `fetch` failed, in words (`fetch` itself only says "fetch failed"; the reason is its
 * `cause`, under a code).
 *
 * @example
 * describeFetchFailure(error) // 'connection refused: is `ssehub serve` running there?'
 */
export function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error
  const { code, message } = cause as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && Object.hasOwn(REASONS, code)) return REASONS[code] as string
  if (typeof message === 'string' && message !== '' && message !== 'fetch failed') return message
  return typeof code === 'string' ? code : String(cause)
}

/**
 * A refusal's message: the `detail` and `code` of a problem details body (RFC 9457), else the
 * body's text as it is, on one line.
 *
 * @example
 * refusalMessage(401, '{"detail":"publishing needs…","code":"ERR_SSE_UNAUTHORIZED",…}', 'application/problem+json')
 * // '401 publishing needs… (ERR_SSE_UNAUTHORIZED)'
 */
export function refusalMessage(status: number, body: string, contentType: string | null): string {
  if (contentType?.startsWith('application/problem+json')) {
    try {
      const { detail, code } = JSON.parse(body) as { detail?: unknown; code?: unknown }
      if (typeof detail === 'string') {
        return `${status} ${detail}${typeof code === 'string' ? ` (${code})` : ''}`
      }
    } catch {
      // Not JSON after all: shown as it is.
    }
  }
  return `${status} ${body.trim().replace(/\s+/g, ' ')}`
}

// How the client reports a refused stream (src/client/subscribe.ts): the status, type and body.
const REFUSED_STREAM =
  /^expected 200 text\/event-stream, got (\d{3}) (application\/problem\+json): (.*)$/s

/**
 * Why a subscription failed, in words: a refusal's problem details as `400 <detail> (<code>)`,
 * else as {@link describeFetchFailure} says.
 */
export function describeStreamFailure(error: unknown): string {
  const message = (error as { message?: unknown }).message
  const refused = typeof message === 'string' ? REFUSED_STREAM.exec(message) : null
  if (refused === null) return describeFetchFailure((error as { cause?: unknown }).cause ?? error)
  return refusalMessage(Number(refused[1]), refused[3] as string, refused[2] as string)
}
