/**
 * URLs as ssehub shows them to people: where a server listens, and a store's address without
 * its credentials.
 */

/**
 * The URL a server bound to `address` and `port` is reached at: a wildcard address (`::`,
 * `0.0.0.0`) as `localhost`, an IPv6 address in brackets.
 *
 * @example listenUrl('::', 3000) // 'http://localhost:3000'
 * @example listenUrl('::1', 3000, 'https') // 'https://[::1]:3000'
 */
export function listenUrl(address: string, port: number, scheme = 'http'): string {
  const host =
    address === '::' || address === '0.0.0.0'
      ? 'localhost'
      : address.includes(':')
        ? `[${address}]`
        : address
  return `${scheme}://${host}:${port}`
}

/**
 * Names of query parameters that may carry a credential: ioredis takes any of its options from
 * a URL's query (`redis://db:6379?password=…`), so a password need not be in the user part.
 */
const CREDENTIAL_PARAM = /pass|secret|token|auth|key/i

/**
 * `url` with its credentials shown as `***`, for a log line or an error message: everything
 * between `scheme://` (or the start) and the last `@` (the user and password, even one holding
 * `/`, `?`, `#` or `@` unencoded, which a URL parser would not take for one), when a `:` comes
 * before that `@`; and the value of every query parameter named like a credential (`password`,
 * `sentinelPassword`, `token`…). Text alone, never parsed as a URL: a value that is not one is
 * redacted too.
 *
 * @example redactUrl('redis://user:secret@db:6379/0') // 'redis://***@db:6379/0'
 * @example redactUrl('redis://db:6379/0?password=secret') // 'redis://db:6379/0?password=***'
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@')
  const colon = url.indexOf(':')
  let redacted = url
  if (at !== -1 && colon !== -1 && colon < at) {
    // After `scheme://`, else from the start: ioredis reads `user:pw@host` without a scheme too.
    const start = url.startsWith('//', colon + 1) ? colon + 3 : 0
    redacted = `${url.slice(0, start)}***${url.slice(at)}`
  }
  return redactCredentialParams(redacted)
}

/**
 * `url` with the value of each query parameter named like a credential shown as `***`.
 *
 * @example redactCredentialParams('rediss://db?sentinelPassword=x&db=1') // 'rediss://db?sentinelPassword=***&db=1'
 */
export function redactCredentialParams(url: string): string {
  const query = url.indexOf('?')
  if (query === -1) return url
  const hash = url.indexOf('#', query)
  const end = hash === -1 ? url.length : hash
  const params = new URLSearchParams(url.slice(query + 1, end))
  let changed = false
  for (const name of new Set(params.keys())) {
    if (!CREDENTIAL_PARAM.test(name)) continue
    params.set(name, '***')
    changed = true
  }
  return changed ? `${url.slice(0, query + 1)}${params.toString()}${url.slice(end)}` : url
}
