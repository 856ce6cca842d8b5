import { createMemoryTransport } from '../../../src/hub/memory-transport.js'
import { describeTransportContract } from '../../helpers/transport-contract.js'

describeTransportContract('the memory transport', async (retention) =>
  createMemoryTransport(retention),
)
