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
 * `url` with its user and password (everything between `//` and `@`) shown as `***`, for a log
 * line or an error message.
 *
 * @example redactUrl('redis://user:secret@db:6379/0') // 'redis://***@db:6379/0'
 */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
