import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  return (await response.json()) as Record<string, unknown>
}

describe('error bodies', () => {
  it('answers a native API error as RFC 9457 problem details carrying the code', async () => {
    server = await startTestServer({ publishKey: 'k' })
    const response = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(response.status).toBe(401)
    expect(await problemOf(response)).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'publishing needs `Authorization: Bearer <publish key>`',
      code: 'ERR_SSE_UNAUTHORIZED',
    })
  })

  it('answers a bad publish 400 with ERR_SSE_BAD_REQUEST', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"topic":',
    })
    expect(response.status).toBe(400)
    expect(await problemOf(response)).toMatchObject({
      status: 400,
      title: 'Bad Request',
      code: 'ERR_SSE_BAD_REQUEST',
    })
  })

  it('answers an unknown path 404 and a wrong method 405 with Allow', async () => {
    server = await startTestServer()
    const missing = await fetch(`${server.url}/nowhere`)
    expect(missing.status).toBe(404)
    expect(await problemOf(missing)).toMatchObject({ code: 'ERR_SSE_NOT_FOUND' })
    const wrong = await fetch(`${server.url}/publish`)
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect(await problemOf(wrong)).toMatchObject({
      code: 'ERR_SSE_METHOD_NOT_ALLOWED',
      detail: 'GET is not allowed on /publish; use POST',
    })
  })

  it('answers a publish over the rate 429 with Retry-After and the code', async () => {
    server = await startTestServer({ publishRate: 1 })
    const publish = (body: unknown) =>
      fetch(`${server?.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    // A batch of 100 at 1 a second leaves the bucket empty for far longer than the test runs.
    const batch = Array.from({ length: 100 }, () => ({ topic: 'a', data: 'x' }))
    expect((await publish(batch)).status).toBe(200)
    const refused = await publish({ topic: 'a', data: 'x' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await problemOf(refused)).toMatchObject({ code: 'ERR_SSE_TOO_MANY_REQUESTS' })
  })

  it('keeps the Mercure endpoint answering its errors as plain text', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/.well-known/mercure`)
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await response.text()).toMatch(/`topic` query parameter is required/)
  })
})
