import { afterAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  defaultMaxConnections,
} from '../../../src/adapters/node.js'
import {
  type ListenOptions,
  type ListenTlsOptions,
  resolveListenOptions,
} from '../../../src/adapters/node-options.js'
import { silentLogger } from '../../../src/logger.js'
import { makeTestCertificate } from '../../helpers/tls.js'

const resolve = (options: ListenOptions) => resolveListenOptions(options, silentLogger)

describe('resolveListenOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolve({})).toMatchObject({
      headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS,
      keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: defaultMaxConnections(),
      maxConnectionsPerIp: null,
    })
  })

  it('takes null as off for the limits that may be off', () => {
    expect(
      resolve({ headersTimeoutMs: null, bodyTimeoutMs: null, maxConnections: null }),
    ).toMatchObject({ headersTimeoutMs: null, bodyTimeoutMs: null, maxConnections: null })
  })

  it.each([
    [{ maxConnections: 0 }, /`maxConnections` must be a positive integer or null, got 0/],
    [{ maxConnectionsPerIp: -1 }, /`maxConnectionsPerIp` must be a non-negative integer/],
    [{ bodyTimeoutMs: 1.5 }, /`bodyTimeoutMs` must be a non-negative integer/],
    [{ headersTimeoutMs: 2 ** 31 }, /`headersTimeoutMs` must be at most/],
    [{ keepAliveTimeoutMs: null }, /`keepAliveTimeoutMs` must be a positive integer/],
    [{ port: 70_000 }, /`port` must be at most 65535/],
  ] as Array<[ListenOptions, RegExp]>)(
    'refuses %o with a TypeError naming it',
    (options, message) => {
      expect(() => resolve(options)).toThrow(TypeError)
      expect(() => resolve(options)).toThrow(message)
    },
  )
})

describe('resolveListenOptions: tls and maxConcurrentStreams', () => {
  const certificate = makeTestCertificate()
  afterAll(() => certificate.remove())

  it('serves plain HTTP by default, with 100 streams a connection for HTTP/2', () => {
    expect(resolve({})).toMatchObject({
      tls: null,
      maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
    })
    expect(DEFAULT_MAX_CONCURRENT_STREAMS).toBe(100)
  })

  it('takes a PEM certificate and its key, as strings or buffers', () => {
    const { cert, key } = certificate
    expect(resolve({ tls: { cert, key } }).tls).toEqual({ cert, key })
    const text = { cert: cert.toString(), key: key.toString() }
    expect(resolve({ tls: text }).tls).toEqual(text)
  })

  it.each([
    [{ cert: '', key: 'x' }, /`tls.cert` must be a PEM string or buffer/],
    [{ cert: 'x', key: 42 }, /`tls.key` must be a PEM string or buffer/],
    [{ cert: 'not a certificate', key: 'not a key' }, /`tls` must hold a PEM certificate/],
  ])('refuses tls %j, naming it', (tls, message) => {
    expect(() => resolve({ tls: tls as ListenTlsOptions })).toThrow(message)
  })

  it('refuses a key that is not the certificate’s', () => {
    const other = makeTestCertificate()
    try {
      const tls = { cert: certificate.cert, key: other.key }
      expect(() => resolve({ tls })).toThrow(
        /`tls` must hold a PEM certificate and its private key/,
      )
    } finally {
      other.remove()
    }
  })

  it.each([0, -1, 1.5, 2 ** 32])('refuses maxConcurrentStreams %s', (value) => {
    expect(() => resolve({ maxConcurrentStreams: value })).toThrow(
      /`maxConcurrentStreams` must be an integer from 1 to 4294967295/,
    )
  })
})
