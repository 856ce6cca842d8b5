/**
 * Verifying the JWS a Mercure publisher or subscriber presents, and reading its `mercure` claim.
 */
import { errors, importSPKI, importX509, jwtVerify } from 'jose'
import { SseError } from '../errors.js'

/** Signature algorithms accepted for a key; `none` is never one of them. */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** The shortest secret of each HMAC algorithm: its hash's size (RFC 7518, section 3.2). */
const HMAC_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 }

/** One of {@link JWT_ALGORITHMS}. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

/** The `mercure` claim of a verified token. */
export interface MercureClaim {
  /** Topic selectors the bearer may publish to; absent: none. */
  readonly publish: readonly string[] | undefined
  /** Topic selectors of the private updates the bearer may receive; absent: none. */
  readonly subscribe: readonly string[] | undefined
  /** User data, attached to the bearer's subscriptions (JSON). */
  readonly payload: unknown
}

/** A token that passed verification. */
export interface VerifiedToken {
  readonly mercure: MercureClaim
  /** When it expires (ms since the epoch), from `exp`; absent: never. */
  readonly expiresAt: number | undefined
  /** Whom it was issued to, from `sub`; absent: not said. */
  readonly subject: string | undefined
}

/** Checks tokens against one key and algorithm. */
export interface JwtVerifier {
  /**
   * @throws {SseError} `ERR_SSE_TOKEN_EXPIRED` for a token past its `exp`, else
   *   `ERR_SSE_UNAUTHORIZED` with why the token is refused.
   */
  verify(token: string): Promise<VerifiedToken>
}

/**
 * A verifier for `key`: the shared secret for HMAC (`HS*`), else a PEM public key or certificate.
 *
 * @throws {TypeError} for an unknown algorithm or a key that is not one for it (a PEM under
 *   `HS*`, or an `HS*` secret shorter than its hash), at once, so a misconfigured server fails
 *   at start rather than on the first request.
 */
export function createJwtVerifier(key: string, algorithm: string): JwtVerifier {
  if (!(JWT_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new TypeError(
      `the JWT algorithm must be one of ${JWT_ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`,
    )
  }
  if (key.length === 0) throw new TypeError('a JWT key must not be empty')
  // A public key under an HMAC algorithm is a secret everyone has: whoever holds the PEM could
  // sign any token with its text. The default algorithm is HS256, so giving a public key and
  // forgetting its algorithm would do exactly that.
  if (algorithm.startsWith('HS') && key.includes('-----BEGIN ')) {
    throw new TypeError(
      `a ${algorithm} JWT key is a shared secret, and this one is a PEM: give the algorithm of the PEM's key (RS256, ES256, EdDSA…)`,
    )
  }
  const minimum = HMAC_KEY_BYTES[algorithm]
  const bytes = new TextEncoder().encode(key).byteLength
  // RFC 7518 (section 3.2) requires it: tokens ride in URLs and logs, and a short secret is
  // found from any one of them offline, after which every token can be forged.
  if (minimum !== undefined && bytes < minimum) {
    throw new TypeError(
      `a ${algorithm} JWT key must be at least ${minimum} bytes (RFC 7518, section 3.2), got ${bytes}`,
    )
  }
  const imported = importKey(key, algorithm)
  const algorithms = [algorithm]
  return {
    async verify(token) {
      let verifyKey: VerifyKey
      try {
        verifyKey = await imported
      } catch (error) {
        const why = `the hub's JWT key cannot be used with ${algorithm}`
        throw new SseError('ERR_SSE_UNAUTHORIZED', why, { cause: error })
      }
      let payload: Record<string, unknown>
      try {
        ;({ payload } = await jwtVerify(token, verifyKey, { algorithms }))
      } catch (error) {
        // Its own code: the client's remedy is a fresh token, not another key or claim.
        const code =
          error instanceof errors.JWTExpired ? 'ERR_SSE_TOKEN_EXPIRED' : 'ERR_SSE_UNAUTHORIZED'
        throw new SseError(code, refusal(error, algorithm), { cause: error })
      }
      return {
        mercure: mercureClaim(payload.mercure),
        expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
        subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      }
    },
  }
}

type VerifyKey = Uint8Array | CryptoKey

/**
 * The key as Web Crypto takes it. The form of a PEM is checked now, so a misconfigured server
 * fails at start; the import itself is asynchronous in Web Crypto, so it starts now and a key
 * that does not suit the algorithm refuses every token (the refusal says so).
 */
function importKey(key: string, algorithm: string): Promise<VerifyKey> {
  if (algorithm.startsWith('HS')) return Promise.resolve(new TextEncoder().encode(key))
  const label = pemLabel(key)
  if (label === undefined) {
    throw new TypeError(
      `a ${algorithm} JWT key must be a PEM public key or certificate: no PUBLIC KEY or CERTIFICATE block with a DER body`,
    )
  }
  const imported: Promise<VerifyKey> =
    label === 'CERTIFICATE' ? importX509(key.trim(), algorithm) : importSPKI(key.trim(), algorithm)
  // Reported by each verify; never an unhandled rejection meanwhile.
  imported.catch(() => {})
  return imported
}

const PEM_LABELS = ['PUBLIC KEY', 'CERTIFICATE'] as const
const BASE64_BODY = /^[A-Za-z0-9+/=\s]+$/

/** The label of `pem` when it is one PEM block of a public key or certificate over DER. */
function pemLabel(pem: string): (typeof PEM_LABELS)[number] | undefined {
  const text = pem.trim()
  for (const label of PEM_LABELS) {
    const begin = `-----BEGIN ${label}-----`
    const end = `-----END ${label}-----`
    if (!text.startsWith(begin) || !text.endsWith(end)) continue
    const body = text.slice(begin.length, text.length - end.length)
    if (!BASE64_BODY.test(body)) return undefined
    let der: string
    try {
      der = atob(body.replace(/\s/g, ''))
    } catch {
      return undefined
    }
    // DER of either is one SEQUENCE.
    return der.charCodeAt(0) === 0x30 ? label : undefined
  }
  return undefined
}

function refusal(error: unknown, algorithm: string): string {
  if (error instanceof errors.JWTExpired) return 'the JWS has expired'
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return `the JWS must be signed with ${algorithm}`
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'the JWS signature does not match the key'
  }
  if (error instanceof errors.JWTClaimValidationFailed) return `the JWS ${error.message}`
  return 'the JWS is malformed or not a signed JWT'
}

function mercureClaim(claim: unknown): MercureClaim {
  if (claim === undefined) return { publish: undefined, subscribe: undefined, payload: undefined }
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) {
    throw new SseError('ERR_SSE_UNAUTHORIZED', 'the JWS `mercure` claim must be an object')
  }
  const { publish, subscribe, payload } = claim as Record<string, unknown>
  return {
    publish: selectors(publish, 'publish'),
    subscribe: selectors(subscribe, 'subscribe'),
    payload,
  }
}

function selectors(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value
  throw new SseError(
    'ERR_SSE_UNAUTHORIZED',
    `the JWS claim \`mercure.${name}\` must be an array of topic selectors`,
  )
}
