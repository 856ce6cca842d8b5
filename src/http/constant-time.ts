/**
 * Comparing secrets without telling an attacker, through the time taken, how much of a guess
 * was right.
 */

/**
 * Whether `a` and `b` hold the same bytes, in a time that depends on their length only, not on
 * where they first differ (as `node:crypto`'s `timingSafeEqual`, on web standards). Bytes of
 * different lengths are unequal at once: the length of a key is not the secret.
 *
 * @example timingSafeEqual(utf8.encode(given), publishKeyBytes)
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let difference = 0
  // Every byte is read and folded in: no early exit for the first that differs.
  for (let i = 0; i < a.byteLength; i++) difference |= (a[i] as number) ^ (b[i] as number)
  return difference === 0
}
