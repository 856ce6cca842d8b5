/**
 * The credential of an `Authorization: Bearer …` header, read one way for every route.
 */

/**
 * The credential after the `Bearer` scheme, or `undefined` when the header is absent, names
 * another scheme or carries nothing. The scheme is matched without regard to case, as RFC 9110
 * (section 11.1) says of every authentication scheme; spaces around the credential are dropped.
 * Read by hand rather than with a pattern: the header comes from strangers.
 *
 * @example bearerCredential('bearer abc') // 'abc'
 */
export function bearerCredential(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const space = header.indexOf(' ')
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined
  const credential = header.slice(space + 1).trim()
  return credential === '' ? undefined : credential
}
