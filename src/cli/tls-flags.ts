/**
 * `ssehub serve`'s flags for HTTPS: a certificate and its key, served with HTTP/2 and HTTP/1.1.
 */
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { ListenTlsOptions } from '../adapters/node-options.js'
import type { FlagLabel } from './flag-layers.js'
import type { FlagTable } from './flags.js'
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
  'tls-cert': { type: 'string', env: 'SSEHUB_TLS_CERT' },
  // A path to the key, not the key: shown by --print-config.
  'tls-key': { type: 'string', env: 'SSEHUB_TLS_KEY', secret: false },
} as const satisfies FlagTable

type Values = { [K in keyof typeof TLS_FLAGS]?: string }

/** Certificate files larger than this are not certificates. */
const MAX_PEM_BYTES = 1024 * 1024

/**
 * The certificate and key from the flags (environment and config file already layered in), read
 * and checked now (before any worker starts); `undefined` without either.
 *
 * @throws {UsageError} naming the flag as `label` gives it: one without the other, a file that
 *   cannot be read, or files that do not hold a PEM certificate and its key.
 */
export function tlsOptionsFrom(values: Values, label: FlagLabel): ListenTlsOptions | undefined {
  const certPath = values['tls-cert']
  const keyPath = values['tls-key']
  if (certPath === undefined && keyPath === undefined) return undefined
  if (certPath === undefined)
    throw new UsageError('--tls-key needs --tls-cert (or SSEHUB_TLS_CERT)')
  if (keyPath === undefined) throw new UsageError('--tls-cert needs --tls-key (or SSEHUB_TLS_KEY)')
  const cert = readPem(label('tls-cert'), certPath)
  const key = readPem(label('tls-key'), keyPath)
  try {
    createSecureContext({ cert })
  } catch (error) {
    throw new UsageError(
      `${label('tls-cert')} ${certPath}: not a PEM certificate (${reason(error)})`,
    )
  }
  try {
    createPrivateKey(key)
  } catch (error) {
    throw new UsageError(
      `${label('tls-key')} ${keyPath}: not an unencrypted PEM private key (${reason(error)})`,
    )
  }
  try {
    createSecureContext({ cert, key })
  } catch (error) {
    throw new UsageError(
      `${label('tls-key')} ${keyPath}: not the private key of --tls-cert's certificate (${reason(error)})`,
    )
  }
  return { cert, key }
}

/** Reads the PEM file at `path`, given as `named` (`--tls-cert`, `SSEHUB_TLS_CERT`, …). */
function readPem(named: string, path: string): Buffer {
  if (path === '') throw new UsageError(`${named} must not be empty`)
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (error) {
    throw new UsageError(`${named} ${path}: cannot read it (${reason(error)})`)
  }
  if (pem.byteLength === 0 || pem.byteLength > MAX_PEM_BYTES) {
    throw new UsageError(`${named} ${path}: not a PEM file (${pem.byteLength} bytes)`)
  }
  return pem
}

function reason(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string }
  return code ?? message ?? String(error)
}
