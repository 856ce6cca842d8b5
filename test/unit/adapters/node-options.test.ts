import { describe, expect, it } from 'vitest'
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  defaultMaxConnections,
} from '../../../src/adapters/node.js'
import { type ListenOptions, resolveListenOptions } from '../../../src/adapters/node-options.js'
import { silentLogger } from '../../../src/logger.js'

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
