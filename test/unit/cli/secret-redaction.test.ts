import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { readConfigFile } from '../../../src/cli/config-file.js'
import { layerFlags } from '../../../src/cli/flag-layers.js'
import { effectiveConfig } from '../../../src/cli/print-config.js'
import { SERVE_FLAGS, serve } from '../../../src/cli/serve.js'
import { urlFlag } from '../../../src/cli/usage-error.js'
import { redactUrl } from '../../../src/urls.js'

// Every password begins and ends with markers no other part of the URLs below holds, so that
// finding either in the output is finding a piece of the password.
const MARKER = 'Zq'
const END = 'Kx'
const password = fc
  .string({ unit: fc.constantFrom(..."abc123-_.~!$&'()*+,;=:/?#[]@% \\"), maxLength: 16 })
  .map((rest) => `${MARKER}${rest}${END}`)
const user = fc.constantFrom('', 'default', 'app', 'a:b')

/** The ways a Redis URL can hold a password that ioredis would use, or that was meant as one. */
const redisUrls = fc.oneof(
  fc
    .tuple(user, password)
    .map(([u, p]) => `redis://${u}:${encodeURIComponent(p)}@db.internal:6379/0`),
  fc.tuple(user, password).map(([u, p]) => `rediss://${u}:${p}@db.internal:6379`),
  fc.tuple(user, password).map(([u, p]) => `redis://${u}:${p}@db.internal:6379/0?db=1`),
  password.map((p) => `redis://db.internal:6379/0?password=${encodeURIComponent(p)}`),
  password.map((p) => `redis://db.internal?db=1&sentinelPassword=${encodeURIComponent(p)}#f`),
  password.map((p) => `default:${p}@db.internal:6379`),
)

describe('secrets in URLs', () => {
  it('redactUrl leaves nothing of a password, wherever the URL holds it', () => {
    fc.assert(
      fc.property(redisUrls, (url) => {
        expect(redactUrl(url)).not.toMatch(/Zq|Kx/)
      }),
      { numRuns: 2000 },
    )
  })

  it('--print-config leaves nothing of a Redis password, wherever the URL holds it', () => {
    fc.assert(
      fc.property(redisUrls, (url) => {
        const layered = layerFlags(SERVE_FLAGS, { redis: url }, {}, undefined)
        expect(JSON.stringify(effectiveConfig(SERVE_FLAGS, layered))).not.toMatch(/Zq|Kx/)
      }),
      { numRuns: 2000 },
    )
  })

  it('--print-config hides a password given as a query parameter, keeping the rest', () => {
    const layered = layerFlags(
      SERVE_FLAGS,
      {},
      { REDIS_URL: 'redis://db.internal:6379/0?password=hunter2&db=1' },
      undefined,
    )
    expect(effectiveConfig(SERVE_FLAGS, layered).redis).toBe(
      'redis://db.internal:6379/0?password=***&db=1',
    )
  })

  it('redactUrl leaves a URL without credentials as it is', () => {
    expect(redactUrl('redis://db.internal:6379/0?db=1')).toBe('redis://db.internal:6379/0?db=1')
    expect(redactUrl('/var/lib/ssehub/history')).toBe('/var/lib/ssehub/history')
  })
})

describe('secrets in a config file that is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssehub-secret-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const key = fc
    .string({ unit: fc.constantFrom(...'abcdefXYZ0123456789'), minLength: 4, maxLength: 40 })
    .map((rest) => `${MARKER}${rest}`)
  /** Config files that are wrong near a key, each as JSON.parse or the checks see it. */
  const files = fc.oneof(
    key.map((k) => `{"jwtKey": ${k}}`),
    key.map((k) => `{"port": 3000, "publishKey": ${k}, "historySize": 10}`),
    key.map((k) => `{"jwtKey": "${k}" "port": 3000}`),
    key.map((k) => `{"subscriberJwtKey": "${k}",}`),
    key.map((k) => `{"jwtKey": ["${k}"]}`),
    key.map((k) => `{"publisherJwtKey": {"kty": "oct", "k": "${k}"}}`),
  )

  it('names what is wrong without quoting the key', () => {
    let n = 0
    fc.assert(
      fc.property(files, (text) => {
        const path = join(dir, `ssehub-${n++}.json`)
        writeFileSync(path, text)
        let message = ''
        try {
          readConfigFile(path, SERVE_FLAGS)
        } catch (error) {
          message = (error as Error).message
        }
        expect(message).toMatch(/^ssehub-\d+\.json: /)
        expect(message).not.toContain(MARKER)
      }),
      { numRuns: 60 },
    )
  })

  it('still shows a value that is no secret, and where the JSON breaks', () => {
    const path = join(dir, 'plain.json')
    writeFileSync(path, '{"logLevel": ["info"]}')
    expect(() => readConfigFile(path, SERVE_FLAGS)).toThrow('got ["info"]')
    writeFileSync(path, '{"port": 3000,}')
    expect(() => readConfigFile(path, SERVE_FLAGS)).toThrow(
      /not valid JSON: Expected double-quoted property name in JSON at position 14/,
    )
  })
})

describe('secrets in URL flags that are refused', () => {
  it('--redis that is no Redis URL is named without its password', async () => {
    for (const url of [`http://app:${MARKER}pw@db:6379`, `redis:/:${MARKER}pw@db`]) {
      const refused = serve(['--redis', url], {})
      await expect(refused).rejects.toThrow(/--redis must be a redis:\/\/ or rediss:\/\/ URL/)
      await expect(refused).rejects.not.toThrow(MARKER)
    }
  })

  it('--url with a user or password is refused, without showing it', () => {
    expect(() => urlFlag(`http://app:${MARKER}pw@hub.internal:3000`)).toThrow(
      /--url must not hold a user or password, got "http:\/\/\*\*\*@hub.internal:3000"/,
    )
    expect(() => urlFlag(`ftp://app:${MARKER}pw@hub.internal`)).toThrow(/^(?!.*Zq)/)
    expect(urlFlag('http://hub.internal:3000/').href).toBe('http://hub.internal:3000/')
  })
})
