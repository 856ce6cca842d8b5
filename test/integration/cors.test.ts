import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('CORS', () => {
  it('allows a page opened from file:// (Origin: null) by default', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/healthz`, { headers: { origin: 'null' } })
    expect(response.headers.get('access-control-allow-origin')).toBe('null')
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('answers a preflight with the methods and headers a publisher needs', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/publish`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
    expect(response.headers.get('access-control-allow-headers')).toMatch(
      /Authorization.*Content-Type/,
    )
  })

  it('allows only listed origins, with credentials, when given a list', async () => {
    server = await startTestServer({ corsOrigins: ['https://app.example'] })
    const listed = await fetch(`${server.url}/healthz`, {
      headers: { origin: 'https://app.example' },
    })
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true')
    const other = await fetch(`${server.url}/healthz`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})
