/**
 * Mercure test helpers: tokens signed with jose, form publishes, subscription URLs.
 */
import { type CryptoKey, generateKeyPair, type KeyObject, SignJWT } from 'jose'

/** The HS256 secret test hubs are given. */
export const SECRET = 'test-secret-of-at-least-32-bytes!!'

/** The `mercure` claim. */
export interface MercureClaim {
  publish?: string[]
  subscribe?: string[]
  payload?: unknown
}

/** Signs a JWS with `mercure` claims (HS256 with {@link SECRET} unless told otherwise). */
export async function mintToken(
  mercure: MercureClaim | undefined,
  options: {
    key?: Uint8Array | CryptoKey | KeyObject
    alg?: string
    expiresAt?: number
    extra?: Record<string, unknown>
  } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...(mercure === undefined ? {} : { mercure }), ...options.extra })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
  if (options.expiresAt !== undefined) jwt.setExpirationTime(Math.floor(options.expiresAt / 1000))
  return jwt.sign(options.key ?? new TextEncoder().encode(SECRET))
}

/** An unsecured JWT (`alg: none`) carrying every right. */
export function unsecuredToken(mercure: MercureClaim): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ mercure })}.`
}

/** An RS256 key pair: the private key to sign, the public key as PEM for the hub. */
export async function rsaKeys(): Promise<{ privateKey: CryptoKey; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const { exportSPKI } = await import('jose')
  return { privateKey, publicPem: await exportSPKI(publicKey) }
}

/** The subscribe URL for `topics`, with more query parameters if given. */
export function mercureUrl(
  base: string,
  topics: string[],
  extra: Record<string, string> = {},
): string {
  const url = new URL('/.well-known/mercure', base)
  for (const topic of topics) url.searchParams.append('topic', topic)
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value)
  return url.href
}

/** POSTs a Mercure publish form; `topic` may repeat. */
export async function mercurePublish(
  base: string,
  fields: Record<string, string | string[]>,
  options: { token?: string; headers?: Record<string, string>; contentType?: string } = {},
): Promise<{ status: number; body: string; contentType: string | null }> {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item)
  }
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    ...options.headers,
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  const response = await fetch(new URL('/.well-known/mercure', base), {
    method: 'POST',
    headers,
    body: form.toString(),
  })
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get('content-type'),
  }
}
