import { describe, expect, it } from 'vitest'
import {
  describeFetchFailure,
  describeStreamFailure,
  refusalMessage,
} from '../../../src/cli/fetch-errors.js'
import { SseError } from '../../../src/errors.js'

function fetchFailure(code: string, message = 'other side closed'): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) })
}

describe('CLI fetch failures', () => {
  it.each([
    ['ECONNREFUSED', /^connection refused: is `ssehub serve` running there\?$/],
    ['UND_ERR_SOCKET', /^the server closed the connection without answering/],
    ['ENOTFOUND', /^no such host$/],
  ])('says %s in words, never by its code', (code, words) => {
    const said = describeFetchFailure(fetchFailure(code))
    expect(said).toMatch(words)
    expect(said).not.toContain(code)
  })

  it('gives an unknown failure its own message', () => {
    expect(describeFetchFailure(fetchFailure('EWHATEVER', 'bad port'))).toBe('bad port')
  })

  it('shows a problem details refusal as status, detail and code', () => {
    const body = JSON.stringify({
      status: 401,
      detail: 'needs a key',
      code: 'ERR_SSE_UNAUTHORIZED',
    })
    expect(refusalMessage(401, body, 'application/problem+json')).toBe(
      '401 needs a key (ERR_SSE_UNAUTHORIZED)',
    )
    expect(refusalMessage(502, 'Bad\n gateway ', 'text/html')).toBe('502 Bad gateway')
    const refused = new SseError(
      'ERR_SSE_CONNECT_FAILED',
      `expected 200 text/event-stream, got 400 application/problem+json: ${body}`,
    )
    expect(describeStreamFailure(refused)).toBe('400 needs a key (ERR_SSE_UNAUTHORIZED)')
  })
})
