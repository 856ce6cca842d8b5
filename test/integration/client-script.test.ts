/**
 * `GET /ssehub-client.js`: the browser build of ssehub/client, served as one ES module with an
 * ETag (304 when unchanged) and the app's CORS headers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('GET /ssehub-client.js', () => {
  it('serves the built client as JavaScript with an ETag and a cache lifetime', async () => {
    server = await startTestServer()
    const response = await fetch(`${server.url}/ssehub-client.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const text = await response.text()
    expect(text).not.toMatch(/from\s*["']node:/)
  })

  it('is one ES module exporting EventSource and events, importable as it is', async () => {
    server = await startTestServer()
    const text = await (await fetch(`${server.url}/ssehub-client.js`)).text()
    const module = await import(
      `data:text/javascript;base64,${Buffer.from(text).toString('base64')}`
    )
    expect(typeof module.EventSource).toBe('function')
    expect(typeof module.events).toBe('function')
    expect(module.EventSource.CLOSED).toBe(2)
  })

  it('answers 304 with no body to If-None-Match holding its ETag', async () => {
    server = await startTestServer()
    const etag = (await fetch(`${server.url}/ssehub-client.js`)).headers.get('etag') ?? ''
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await fetch(`${server.url}/ssehub-client.js`, {
        headers: { 'if-none-match': ifNoneMatch },
      })
      expect(response.status).toBe(304)
      expect(response.headers.get('etag')).toBe(etag)
      expect(await response.text()).toBe('')
    }
    const changed = await fetch(`${server.url}/ssehub-client.js`, {
      headers: { 'if-none-match': '"something else"' },
    })
    expect(changed.status).toBe(200)
  })

  it('lets a page of an allowed origin load it as a module script (CORS)', async () => {
    server = await startTestServer({ corsOrigins: ['http://app.example'] })
    const allowed = await fetch(`${server.url}/ssehub-client.js`, {
      headers: { origin: 'http://app.example' },
    })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example')
    const other = await fetch(`${server.url}/ssehub-client.js`, {
      headers: { origin: 'http://elsewhere.example' },
    })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('serves the script given as the clientScript option, or 404 for null', async () => {
    server = await startTestServer({ clientScript: 'export const x = 1\n' })
    expect(await (await fetch(`${server.url}/ssehub-client.js`)).text()).toBe(
      'export const x = 1\n',
    )
    await server.close()
    server = await startTestServer({ clientScript: null })
    expect((await fetch(`${server.url}/ssehub-client.js`)).status).toBe(404)
  })
})
