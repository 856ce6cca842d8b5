// A primary of `--workers` for the transport contract: the hub's state (a memory transport with
// the retention given as JSON in argv[2]) served by `servePrimaryState`, from the built dist/,
// to one worker: the process that forked this one, over their real IPC channel.
import { servePrimaryState } from '../../dist/cluster/primary-state.js'
import { createMemoryTransport } from '../../dist/hub/memory-transport.js'
import { silentLogger } from '../../dist/logger.js'

const state = servePrimaryState(
  createMemoryTransport(JSON.parse(process.argv[2] ?? '{}')),
  silentLogger,
)
// The parent is to this process what a cluster worker is to the primary: the other end of an
// IPC channel. Its `Worker` shape, over this process's end of that channel.
state.attach({
  on: (event, listener) => process.on(event, listener),
  once: (event, listener) => process.once(event, listener),
  send: (message) => process.send(message),
  isConnected: () => process.connected,
})
process.once('disconnect', () => {
  state.close()
  process.exit(0)
})
process.send({ ready: true })
