/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with Debian's `openssl` in a
 * temporary directory, for tests that serve HTTPS.
 */
import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A certificate and its key, as files and as PEM. */
export interface TestCertificate {
  readonly certPath: string
  readonly keyPath: string
  readonly cert: Buffer
  readonly key: Buffer
  /** Base64 SHA-256 of the certificate's public key (SPKI), as Chromium's trust flag takes it. */
  readonly spkiSha256: string
  /** Deletes the files. */
  remove(): void
}

/** Makes a fresh EC P-256 certificate valid for a day, for `localhost` and `127.0.0.1`. */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'ssehub-tls-'))
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore', timeout: 10_000 },
  )
  const cert = readFileSync(certPath)
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' })
  return {
    certPath,
    keyPath,
    cert,
    key: readFileSync(keyPath),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
