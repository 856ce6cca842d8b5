import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { http2Client } from '../helpers/https-clients.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'
import { makeTestCertificate } from '../helpers/tls.js'

const certificate = makeTestCertificate()
const other = makeTestCertificate()
afterAll(() => {
  certificate.remove()
  other.remove()
})

let processes: ServerProcess[] = []
afterEach(() => {
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

/** Runs `ssehub serve` with `args`; a refused one exits at once, before listening. */
function serveRefused(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--workers', '1', ...args], env)
}

describe('ssehub serve --tls-cert --tls-key', () => {
  it('serves HTTPS with HTTP/2 from the certificate and key named by the environment', async () => {
    const hub = await spawnServer(['--no-clock'], {
      SSEHUB_TLS_CERT: certificate.certPath,
      SSEHUB_TLS_KEY: certificate.keyPath,
    })
    processes.push(hub)
    expect(hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const client = http2Client(hub.url, certificate.cert)
    try {
      const health = await client.request('GET', '/healthz')
      await health.ended
      expect([health.protocol, health.status]).toEqual(['h2', 200])
    } finally {
      client.close()
    }
  })

  it('on SIGTERM ends each HTTP/2 stream with a retry: hint and exits 0', async () => {
    const hub = await spawnServer([
      ...['--no-clock', '--retry', '1000', '--retry-spread', '0'],
      ...['--tls-cert', certificate.certPath, '--tls-key', certificate.keyPath],
    ])
    processes.push(hub)
    const client = http2Client(hub.url, certificate.cert)
    try {
      const streams = await Promise.all(
        [1, 2, 3].map((n) => client.request('GET', `/events?topic=t${n}`)),
      )
      await Promise.all(streams.map((stream) => stream.waitFor('retry: 1000\n\n')))
      hub.child.kill('SIGTERM')
      await Promise.all(streams.map((stream) => stream.ended))
      for (const stream of streams) {
        expect(stream.text()).toMatch(/^retry: 1000\n\n(?:.*\n)*retry: \d+\n\n$/)
      }
      expect(await hub.exited).toBe(0)
    } finally {
      client.close()
    }
  })

  it('refuses a certificate file it cannot read, naming the flag', async () => {
    const missing = join(certificate.certPath, '..', 'missing.pem')
    const run = await serveRefused(['--tls-cert', missing, '--tls-key', certificate.keyPath])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`ssehub: --tls-cert ${missing}: cannot read it (ENOENT)`)
  })

  it('refuses a key file it cannot read, naming the flag', async () => {
    const run = await serveRefused(['--tls-cert', certificate.certPath, '--tls-key', '/'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('ssehub: --tls-key /: cannot read it (EISDIR)')
  })

  it('refuses a file that holds no certificate', async () => {
    const notPem = join(certificate.certPath, '..', 'not-a-cert.pem')
    writeFileSync(notPem, 'hello\n')
    const run = await serveRefused(['--tls-cert', notPem, '--tls-key', certificate.keyPath])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`ssehub: --tls-cert ${notPem}: not a PEM certificate`)
  })

  it('refuses the key of another certificate', async () => {
    const run = await serveRefused(['--tls-cert', certificate.certPath, '--tls-key', other.keyPath])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      `ssehub: --tls-key ${other.keyPath}: not the private key of --tls-cert's certificate`,
    )
  })

  it('refuses a key file that holds no key', async () => {
    const run = await serveRefused([
      '--tls-cert',
      certificate.certPath,
      '--tls-key',
      certificate.certPath,
    ])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      `--tls-key ${certificate.certPath}: not an unencrypted PEM private key`,
    )
  })

  it('refuses a certificate without its key, and a key without its certificate', async () => {
    const noKey = await serveRefused(['--tls-cert', certificate.certPath])
    expect([noKey.code, noKey.stderr]).toEqual([
      2,
      expect.stringContaining('--tls-cert needs --tls-key (or SSEHUB_TLS_KEY)'),
    ])
    const noCert = await serveRefused([], { SSEHUB_TLS_KEY: certificate.keyPath })
    expect([noCert.code, noCert.stderr]).toEqual([
      2,
      expect.stringContaining('--tls-key needs --tls-cert (or SSEHUB_TLS_CERT)'),
    ])
  })
})
