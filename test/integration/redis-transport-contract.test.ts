/**
 * The transport contract for Redis Streams, against a real `redis-server`: each transport on a
 * stream key of its own, so each starts with an empty history.
 */
import { afterAll, beforeAll } from 'vitest'
import { createRedisTransport } from '../../src/redis/redis-transport.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import { describeTransportContract } from '../helpers/transport-contract.js'

let redis: TestRedis | undefined
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.close()
})

let streams = 0

describeTransportContract(
  'the Redis transport',
  async (retention) => {
    if (redis === undefined) throw new Error('redis-server did not start')
    return createRedisTransport({
      url: redis.url,
      stream: `contract-${++streams}`,
      ...(retention.historySize === undefined ? {} : { maxLen: retention.historySize }),
    })
  },
  {
    // Acknowledged once the stream holds it; the tail reads it from there after.
    tailBeforeAck: false,
    // `MAXLEN ~` trims whole blocks of entries, 100 by default (`stream-node-max-entries`).
    countBound: { exact: false, slack: 100 },
    byteBound: false,
    historyHere: true,
  },
)
