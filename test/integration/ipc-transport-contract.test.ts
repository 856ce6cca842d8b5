/**
 * The transport contract for `--workers`: a worker's IPC transport, in this process, over a real
 * IPC channel to a forked primary holding the state (test/helpers/ipc-primary.mjs).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { createIpcTransport, type IpcChannel } from '../../src/cluster/ipc-transport.js'
import { describeTransportContract } from '../helpers/transport-contract.js'

const PRIMARY = fileURLToPath(new URL('../helpers/ipc-primary.mjs', import.meta.url))

const primaries: ChildProcess[] = []
afterEach(async () => {
  for (const primary of primaries.splice(0)) {
    if (primary.exitCode !== null) continue
    const exited = once(primary, 'exit')
    primary.disconnect()
    await exited
  }
})

describeTransportContract(
  'the IPC transport of --workers',
  async (retention) => {
    const primary = fork(PRIMARY, [JSON.stringify(retention)], { stdio: 'inherit' })
    primaries.push(primary)
    await once(primary, 'message')
    // Its end of the channel, as a worker's `process` is (see serve.ts).
    return createIpcTransport(primary as IpcChannel)
  },
  // The primary's answer to a publish rides with its events, behind them.
  { tailBeforeAck: true, countBound: { exact: true }, byteBound: true, historyHere: false },
)
