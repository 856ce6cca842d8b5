/**
 * In the primary process: starts the workers, keeps them running, stops them on a signal.
 */
import cluster, { type Worker } from 'node:cluster'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../logger.js'
import { listenUrl } from '../urls.js'
import { STOP_MESSAGE } from './messages.js'
import type { PrimaryState } from './primary-state.js'

/**
 * A worker exited before it listened: a start-up error. `report` is what the first worker to fail
 * had to say (see {@link reportStartFailure}), for the primary to print once: every worker
 * fails alike (a port in use, Redis away), and one message is clearer than one per worker.
 */
export class WorkerStartError extends Error {
  override name = 'WorkerStartError'
  constructor(
    message: string,
    readonly exitCode: number,
    readonly report: string | undefined,
  ) {
    super(message)
  }
}

/** What a worker that cannot start sends the primary instead of printing it. */
interface StartFailedMessage {
  readonly kind: 'startFailed'
  readonly report: string
}

function isStartFailedMessage(message: unknown): message is StartFailedMessage {
  const m = message as Partial<StartFailedMessage> | null
  return m?.kind === 'startFailed' && typeof m.report === 'string'
}

/**
 * In a worker that cannot start: hands `report` (the text a person should read) to the primary,
 * which prints the first worker's alone. Resolves once it is sent, or at once without a primary.
 *
 * @returns whether the primary was told; if not, print `report` yourself.
 */
export function reportStartFailure(report: string): Promise<boolean> {
  const send = process.send?.bind(process)
  if (send === undefined || !process.connected) return Promise.resolve(false)
  const message: StartFailedMessage = { kind: 'startFailed', report }
  return new Promise((resolve) => {
    send(message, undefined, undefined, (error: Error | null) => resolve(error === null))
  })
}

/** How long a worker may take to stop gracefully before it is killed. */
const STOP_TIMEOUT_MS = 10_000

/** The environment variable telling a worker its index (0 runs the clock). */
export const WORKER_INDEX_ENV = 'SSEHUB_WORKER_INDEX'

/** What the supervisor needs. */
/** Errors of a message sent to a worker that has exited, or is exiting. */
const WORKER_GONE: ReadonlySet<string> = new Set(['EPIPE', 'ERR_IPC_CHANNEL_CLOSED', 'ECONNRESET'])

export interface SupervisorOptions {
  readonly count: number
  readonly logger: Logger
  /** The shared state to attach each worker to; `null` when workers share Redis instead. */
  readonly state: PrimaryState | null
  /** How long a stopping worker answers `/readyz` 503 before it closes (`--drain-delay`). */
  readonly drainMs?: number | undefined
}

/**
 * Forks `count` workers running the same command, and resolves with the URL once every one
 * listens. A worker that dies is replaced; one that dies before it ever listened stops all
 * (its error is a configuration or start-up error, and would only repeat).
 */
export function superviseWorkers(options: SupervisorOptions): Promise<string> {
  const { count, logger, state } = options
  const stopTimeoutMs = STOP_TIMEOUT_MS + (options.drainMs ?? 0)
  // JSON, not structured clone: several times cheaper per message (see `WireEvent`).
  cluster.setupPrimary({ serialization: 'json' })
  let listening = 0
  let stopping = false
  let url: string | undefined
  let firstReport: string | undefined
  return new Promise<string>((resolve, reject) => {
    const fork = (index: number) => {
      const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) })
      state?.attach(worker)
      // A worker killed a moment ago still looks connected until its exit is seen: a message
      // sent to it then fails (EPIPE) as an `error` event, which unheard would end the primary
      // and every other worker with it. Its exit follows, and is reported there: a gone
      // worker's channel is not worth a line of its own (a start-up failure says one thing).
      worker.on('error', (error) => {
        if (WORKER_GONE.has((error as NodeJS.ErrnoException).code ?? '')) return
        logger.warn('could not reach a worker', { worker: index, error: String(error) })
      })
      worker.on('message', (message: unknown) => {
        if (isStartFailedMessage(message)) firstReport ??= message.report
      })
      let listened = false
      worker.once('listening', (address: AddressInfo | { address: string; port: number }) => {
        listened = true
        listening++
        if (url === undefined) url = urlOf(address)
        if (listening === count) resolve(url)
      })
      worker.once('exit', (code, signal) => {
        if (stopping) return
        if (!listened) {
          stopping = true
          const exitCode = typeof code === 'number' && code > 0 ? code : 1
          // Rejected once every worker has exited: by then each one's report has arrived.
          stopAll(exitCode, () =>
            reject(
              new WorkerStartError(
                `worker ${index} exited (${signal ?? code}) before listening`,
                exitCode,
                firstReport,
              ),
            ),
          )
          return
        }
        logger.error('a worker died; starting another', { worker: index, code, signal })
        listening--
        fork(index)
      })
    }
    for (let index = 0; index < count; index++) fork(index)

    const stopAll = (exitCode: number, stopped?: () => void) => {
      const workers = Object.values(cluster.workers ?? {}).filter(
        (w): w is Worker => w !== undefined && !w.isDead(),
      )
      let alive = workers.length
      if (alive === 0) {
        finish(exitCode)
        return stopped?.()
      }
      for (const worker of workers) {
        const kill = setTimeout(() => worker.process.kill('SIGKILL'), stopTimeoutMs)
        worker.once('exit', () => {
          clearTimeout(kill)
          if (--alive > 0) return
          finish(exitCode)
          stopped?.()
        })
        // By message, not by signal: see the worker's side in `serve`.
        if (worker.isConnected()) worker.send(STOP_MESSAGE)
        else worker.process.kill('SIGTERM')
      }
    }
    const finish = (exitCode: number) => {
      state?.close()
      if (url !== undefined) logger.info('stopped')
      process.exitCode = exitCode
    }
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1)
      stopping = true
      logger.info('shutting down', { signal, workers: count })
      stopAll(0)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}

function urlOf(address: { address: string; port: number; addressType?: number | string }): string {
  // A worker's address may lack its host (a wildcard bind): localhost then, as for `::`.
  return listenUrl(address.address ?? '::', address.port)
}
