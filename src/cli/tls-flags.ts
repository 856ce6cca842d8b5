/**
 * `ssehub serve`'s flags for HTTPS: a certificate and its key, served with HTTP/2 and HTTP/1.1.
 */
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { ListenTlsOptions } from '../adapters/node-options.js'
import { UsageError } from './usage-error.js'

/** The help lines of the TLS flags. */
export const TLS_HELP = `HTTPS and HTTP/2:
  --tls-cert <file>          serve HTTPS with this PEM certificate (chain), HTTP/2 to clients
                             that offer it and HTTP/1.1 to the others (env SSEHUB_TLS_CERT;
                             default: none, plain HTTP/1.1)
  --tls-key <file>           the certificate's PEM private key, unencrypted (env SSEHUB_TLS_KEY)
`

/** The flags, for `parseArgs`. */
export const TLS_FLAGS = {
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const

type Values = { [K in keyof typeof TLS_FLAGS]?: string }

/** Certificate files larger than this are not certificates. */
const MAX_PEM_BYTES = 1024 * 1024

/**
 * The certificate and key from the flags, then environment variables, read and checked now
 * (before any worker starts); `undefined` without either.
 *
 * @throws {UsageError} naming the flag: one without the other, a file that cannot be read, or
 *   files that do not hold a PEM certificate and its key.
 */
export function tlsOptionsFrom(
  values: Values,
  env: NodeJS.ProcessEnv,
): ListenTlsOptions | undefined {
  const certPath = values['tls-cert'] ?? nonEmpty(env.SSEHUB_TLS_CERT)
  const keyPath = values['tls-key'] ?? nonEmpty(env.SSEHUB_TLS_KEY)
  if (certPath === undefined && keyPath === undefined) return undefined
  if (certPath === undefined)
    throw new UsageError('--tls-key needs --tls-cert (or SSEHUB_TLS_CERT)')
  if (keyPath === undefined) throw new UsageError('--tls-cert needs --tls-key (or SSEHUB_TLS_KEY)')
  const cert = readPem('tls-cert', certPath)
  const key = readPem('tls-key', keyPath)
  try {
    createSecureContext({ cert })
  } catch (error) {
    throw new UsageError(`--tls-cert ${certPath}: not a PEM certificate (${reason(error)})`)
  }
  try {
    createPrivateKey(key)
  } catch (error) {
    throw new UsageError(
      `--tls-key ${keyPath}: not an unencrypted PEM private key (${reason(error)})`,
    )
  }
  try {
    createSecureContext({ cert, key })
  } catch (error) {
    throw new UsageError(
      `--tls-key ${keyPath}: not the private key of --tls-cert's certificate (${reason(error)})`,
    )
  }
  return { cert, key }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value
}

function readPem(flag: keyof Values, path: string): Buffer {
  if (path === '') throw new UsageError(`--${flag} must not be empty`)
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (error) {
    throw new UsageError(`--${flag} ${path}: cannot read it (${reason(error)})`)
  }
  if (pem.byteLength === 0 || pem.byteLength > MAX_PEM_BYTES) {
    throw new UsageError(`--${flag} ${path}: not a PEM file (${pem.byteLength} bytes)`)
  }
  return pem
}

function reason(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string }
  return code ?? message ?? String(error)
}
