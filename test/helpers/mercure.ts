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

/** Where the subscriptions API and the subscription events are. */
export const SUBSCRIPTIONS = '/.well-known/mercure/subscriptions'
/** A selector of every subscription event, and the API's URLs. */
export const SUBSCRIPTION_EVENTS = `${SUBSCRIPTIONS}{/topic}{/subscriber}`

/** A subscription as the API and the subscription events give it. */
export interface SubscriptionDoc {
  readonly topic: string
  readonly subscriber: string
  readonly active: boolean
}

/**
 * The subscriptions API's collection on `base`, read with a token that may, over a fresh
 * connection each time (so that in a cluster any process may answer).
 */
export async function listSubscriptions(
  base: string,
): Promise<{ lastEventID: string; subscriptions: SubscriptionDoc[] }> {
  const reader = await mintToken({ subscribe: [SUBSCRIPTION_EVENTS] })
  const response = await fetch(`${base}${SUBSCRIPTIONS}`, {
    headers: { authorization: `Bearer ${reader}`, connection: 'close' },
  })
  if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`)
  return (await response.json()) as { lastEventID: string; subscriptions: SubscriptionDoc[] }
}

/**
 * The subscription updates in an event stream's text about topics `keep` accepts: a reader of
 * the subscription events has its own subscription announced as well.
 */
export function subscriptionUpdatesIn(
  text: string,
  keep: (topic: string) => boolean,
): SubscriptionDoc[] {
  return [...text.matchAll(/^data: (.*)$/gm)]
    .map((m) => JSON.parse(m[1] as string) as SubscriptionDoc)
    .filter((update) => keep(update.topic))
}

/**
 * The URL and headers that read the subscription events on `base` from after `lastEventId`
 * (`earliest`: every one kept), with a token that may.
 */
export async function subscriptionEventsRequest(
  base: string,
  lastEventId: string,
): Promise<[url: string, headers: Record<string, string>]> {
  const token = await mintToken({ subscribe: [SUBSCRIPTION_EVENTS] })
  return [
    mercureUrl(base, [SUBSCRIPTION_EVENTS]),
    { authorization: `Bearer ${token}`, 'last-event-id': lastEventId },
  ]
}
