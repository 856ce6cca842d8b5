/**
 * The name under which the tabs of one origin share a stream: a hash of the URL and of the init
 * fields that shape the request, so that a token in `headers` never appears in a lock or channel
 * name (which `navigator.locks.query()` lists to any script of the origin).
 */
import type { ResolvedInit } from './options.js'

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')

// Where `crypto.subtle` is missing (a page served over plain HTTP to another host is not a secure
// context): two independent 32-bit FNV-1a lanes. Not a secret-keeping hash, but the names stay
// within the origin, whose scripts could read the init themselves.
function fallbackHash(text: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    a = Math.imul(a ^ code, 0x01000193)
    b = Math.imul(b ^ code, 0x5bd1e995)
  }
  return ((a >>> 0).toString(16) + (b >>> 0).toString(16)).padStart(16, '0')
}

/**
 * The share name for a stream: `ssehub:` and a hash of the absolute URL, method, headers (by
 * sorted name), body, credentials, first `Last-Event-ID`, reconnection time, retry policy and
 * longest event.
 */
export async function shareKey(url: URL, init: ResolvedInit): Promise<string> {
  const material = JSON.stringify([
    url.href,
    init.method,
    Object.entries(init.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    init.body ?? null,
    init.withCredentials,
    init.lastEventId,
    init.reconnectionMs,
    init.retryOnFailure,
    init.maxEventLength,
  ])
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined) return `ssehub:${fallbackHash(material)}`
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(material))
  return `ssehub:${hex(new Uint8Array(digest)).slice(0, 32)}`
}
