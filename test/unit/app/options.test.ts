import { describe, expect, it } from 'vitest'
import {
  DEFAULT_RETRY_MS,
  DEFAULT_RETRY_SPREAD_MS,
  resolveHubAppOptions,
} from '../../../src/app/options.js'
import { DEFAULT_HEARTBEAT_MS } from '../../../src/stream/heartbeat.js'
import { DEFAULT_WRITE_STALL_MS } from '../../../src/stream/stall-watch.js'

describe('server options', () => {
  it('fills in the documented defaults', () => {
    expect(resolveHubAppOptions({})).toMatchObject({
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      retryMs: DEFAULT_RETRY_MS,
      retrySpreadMs: DEFAULT_RETRY_SPREAD_MS,
      writeStallMs: DEFAULT_WRITE_STALL_MS,
      corsOrigins: '*',
      publishKey: null,
      defaultTopic: null,
    })
  })

  it('takes null as off', () => {
    expect(
      resolveHubAppOptions({
        heartbeatMs: null,
        maxBufferedBytes: null,
        retryMs: null,
        writeStallMs: null,
      }),
    ).toMatchObject({
      retryMs: null,
      writeStallMs: null,
      heartbeatMs: null,
      maxBufferedBytes: null,
    })
  })

  it.each([
    [{ heartbeatMs: -5 }, '`heartbeatMs` must be a non-negative integer, got -5'],
    [{ heartbeatMs: 0 }, '`heartbeatMs` must be a positive integer or null, got 0'],
    [{ maxPublishBytes: 1.5 }, '`maxPublishBytes` must be a non-negative integer, got 1.5'],
    [{ publishKey: '' }, '`publishKey` must be a non-empty string or null'],
    [
      { corsOrigins: 'https://a.example' as never },
      '`corsOrigins` must be "*" or an array of origins',
    ],
    [{ maxSubscriptionTopics: 0 }, '`maxSubscriptionTopics` must be a positive integer, got 0'],
    [{ maxBatchEvents: 2.5 }, '`maxBatchEvents` must be a positive integer, got 2.5'],
    [{ publishRate: 0 }, '`publishRate` must be a positive number or null, got 0'],
    [
      { publishRate: Number.POSITIVE_INFINITY },
      '`publishRate` must be a positive number or null, got Infinity',
    ],
    [{ publishBurst: 10 }, '`publishBurst` needs `publishRate`'],
    [{ publishRate: 5, publishBurst: 0 }, '`publishBurst` must be a positive integer, got 0'],
  ])('refuses %o with a TypeError naming it', (options, message) => {
    expect(() => resolveHubAppOptions(options)).toThrow(new TypeError(message))
  })

  it('limits subscriptions and batches by default, not the publish rate', () => {
    expect(resolveHubAppOptions({})).toMatchObject({
      maxSubscriptionTopics: 64,
      maxBatchEvents: 10_000,
      publishRate: null,
    })
  })

  it('gives a publish rate a burst of one second by default', () => {
    expect(resolveHubAppOptions({ publishRate: 2.5 }).publishRate).toEqual({ rate: 2.5, burst: 3 })
    expect(resolveHubAppOptions({ publishRate: 2, publishBurst: 50 }).publishRate).toEqual({
      rate: 2,
      burst: 50,
    })
  })
})
