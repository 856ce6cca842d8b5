/**
 * `/metrics` under `--workers`: a scrape lands on one worker, which asks the primary; the primary
 * asks every worker for its registry's values, adds its own, and hands them all back; the worker
 * renders each process's series (label `worker`) and their sum (`worker="all"`).
 *
 * prom-client's `AggregatorRegistry.clusterMetrics()` answers only in the primary, which serves
 * no HTTP here, and sums away which worker said what; its `aggregate` is used for the sums. The
 * messages follow the cluster's own (`kind`, JSON), with kinds of their own, which the hub's
 * IPC ignores, as these ignore its.
 */
import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, prometheusContentType, type Registry } from 'prom-client'
import type { IpcChannel } from '../cluster/ipc-transport.js'
import type { MetricsEndpoint } from '../http/metrics.js'
import type { MetricsJson } from './prometheus.js'

/**
 * How long a gathering waits for the processes' values: a worker that has not answered by then
 * is left out of that scrape (one stuck or being replaced must not fail every scrape).
 */
export const GATHER_TIMEOUT_MS = 2000

/** How long a worker waits for the primary's answer before the scrape fails. */
const ANSWER_TIMEOUT_MS = 2 * GATHER_TIMEOUT_MS

/** The `worker` label of the sums over every process. */
export const ALL_WORKERS = 'all'

/** The `worker` label of the primary's own series (its event loop, its memory, the history). */
export const PRIMARY_WORKER = 'primary'

/** One process's values, under its `worker` label. */
export interface ProcessMetrics {
  readonly worker: string
  readonly metrics: MetricsJson
}

/** A worker asks the primary for every process's values. */
interface MetricsRequest {
  readonly kind: 'metrics-request'
  readonly requestId: number
}
/** The primary asks each worker for its values. */
interface MetricsCollect {
  readonly kind: 'metrics-collect'
  readonly gatherId: number
}
/** A worker's values. */
interface MetricsReport {
  readonly kind: 'metrics-report'
  readonly gatherId: number
  readonly report: ProcessMetrics
}
/** The primary's answer to a {@link MetricsRequest}. */
interface MetricsGathered {
  readonly kind: 'metrics-gathered'
  readonly requestId: number
  readonly reports: readonly ProcessMetrics[]
}

function isKind<T extends { kind: string }>(message: unknown, kind: T['kind']): message is T {
  return (
    typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === kind
  )
}

/**
 * In a worker: answers the primary's requests with `registry`'s values under `worker`, and
 * serves `/metrics` with every process's, gathered through the primary. Scrapes that come while
 * one is gathering share its answer, so at most one gathering per worker is under way.
 */
export function workerMetricsEndpoint(
  registry: Registry,
  worker: string,
  channel: IpcChannel = process as IpcChannel,
): MetricsEndpoint {
  const waiting = new Map<number, (reports: readonly ProcessMetrics[]) => void>()
  let nextRequestId = 1
  let inFlight: Promise<string> | undefined

  channel.on('message', (message: unknown) => {
    if (isKind<MetricsCollect>(message, 'metrics-collect')) {
      const { gatherId } = message
      registry.getMetricsAsJSON().then(
        (metrics) => send({ kind: 'metrics-report', gatherId, report: { worker, metrics } }),
        () => send({ kind: 'metrics-report', gatherId, report: { worker, metrics: [] } }),
      )
    } else if (isKind<MetricsGathered>(message, 'metrics-gathered')) {
      waiting.get(message.requestId)?.(message.reports)
    }
  })
  const send = (message: MetricsRequest | MetricsReport) => {
    try {
      channel.send?.(message)
    } catch {
      // The primary is gone: its requester times out.
    }
  }

  const gather = () =>
    new Promise<readonly ProcessMetrics[]>((resolve, reject) => {
      const requestId = nextRequestId++
      const timer = setTimeout(() => {
        waiting.delete(requestId)
        reject(new Error('the primary process did not answer for metrics'))
      }, ANSWER_TIMEOUT_MS)
      waiting.set(requestId, (reports) => {
        clearTimeout(timer)
        waiting.delete(requestId)
        resolve(reports)
      })
      send({ kind: 'metrics-request', requestId })
    })

  return {
    contentType: prometheusContentType,
    render() {
      inFlight ??= gather()
        .then(renderProcesses)
        .finally(() => {
          inFlight = undefined
        })
      return inFlight
    },
  }
}

/** The primary's part, to stop with it. */
export interface PrimaryMetrics {
  close(): void
}

/**
 * In the primary: answers workers' {@link MetricsRequest}s with every connected worker's values
 * and `registry`'s own (under {@link PRIMARY_WORKER}). One gathering at a time: requests that
 * come meanwhile get its answer.
 */
export function servePrimaryMetrics(registry: Registry): PrimaryMetrics {
  type Gathering = {
    readonly id: number
    readonly pending: Set<Worker>
    readonly reports: ProcessMetrics[]
    readonly requesters: Array<{ worker: Worker; requestId: number }>
    ownDone: boolean
    timer: NodeJS.Timeout | undefined
  }
  let current: Gathering | undefined
  let lastId = 0

  const finishIfDone = (gathering: Gathering, force = false) => {
    if (current !== gathering) return
    if (!force && (gathering.pending.size > 0 || !gathering.ownDone)) return
    clearTimeout(gathering.timer)
    current = undefined
    for (const { worker, requestId } of gathering.requesters) {
      if (!worker.isConnected()) continue
      const answer: MetricsGathered = {
        kind: 'metrics-gathered',
        requestId,
        reports: gathering.reports,
      }
      worker.send(answer)
    }
  }

  const start = (): Gathering => {
    const gathering: Gathering = {
      id: ++lastId,
      pending: new Set(),
      reports: [],
      requesters: [],
      ownDone: false,
      timer: undefined,
    }
    current = gathering
    const collect: MetricsCollect = { kind: 'metrics-collect', gatherId: gathering.id }
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined || !worker.isConnected()) continue
      gathering.pending.add(worker)
      worker.send(collect)
    }
    gathering.timer = setTimeout(() => finishIfDone(gathering, true), GATHER_TIMEOUT_MS)
    registry.getMetricsAsJSON().then(
      (metrics) => {
        gathering.reports.push({ worker: PRIMARY_WORKER, metrics })
        gathering.ownDone = true
        finishIfDone(gathering)
      },
      () => {
        gathering.ownDone = true
        finishIfDone(gathering)
      },
    )
    return gathering
  }

  const onMessage = (worker: Worker, message: unknown) => {
    if (isKind<MetricsRequest>(message, 'metrics-request')) {
      const gathering = current ?? start()
      gathering.requesters.push({ worker, requestId: message.requestId })
    } else if (isKind<MetricsReport>(message, 'metrics-report')) {
      const gathering = current
      if (gathering?.id !== message.gatherId || !gathering.pending.delete(worker)) return
      gathering.reports.push(message.report)
      finishIfDone(gathering)
    }
  }
  // A worker gone mid-gathering will not answer: no need to wait for the timeout.
  const onDisconnect = (worker: Worker) => {
    const gathering = current
    if (gathering?.pending.delete(worker)) finishIfDone(gathering)
  }
  cluster.on('message', onMessage)
  cluster.on('disconnect', onDisconnect)
  return {
    close() {
      cluster.off('message', onMessage)
      cluster.off('disconnect', onDisconnect)
      if (current !== undefined) clearTimeout(current.timer)
      current = undefined
    },
  }
}

/**
 * Prometheus text of several processes' values: each process's series with its `worker` label,
 * then their sum under `worker="all"` (by each metric's own aggregator: sums for counts, the
 * maximum of the event-loop delay's maximum, and so on; a process's start time has none).
 */
export async function renderProcesses(reports: readonly ProcessMetrics[]): Promise<string> {
  const sums = await AggregatorRegistry.aggregate(
    reports.map((report) => labelled(report.metrics, ALL_WORKERS)),
  ).getMetricsAsJSON()
  const byName = new Map<string, MetricsJson[number]>()
  const add = (metrics: MetricsJson) => {
    for (const metric of metrics) {
      const known = byName.get(metric.name)
      // Each value is alone under its labels: `sum` keeps it as it is.
      if (known === undefined) byName.set(metric.name, { ...metric, aggregator: 'sum' })
      else known.values.push(...metric.values)
    }
  }
  // The primary first, then the workers in order, whatever order they answered in.
  const rank = (worker: string) => (worker === PRIMARY_WORKER ? -1 : Number(worker))
  const ordered = [...reports].sort((a, b) => rank(a.worker) - rank(b.worker))
  for (const report of ordered) add(labelled(report.metrics, report.worker))
  add(sums)
  return AggregatorRegistry.aggregate([[...byName.values()]]).metrics()
}

// A copy of `metrics` with `worker` added to every value's labels. A value that crossed as JSON
// may be `null` (it was NaN): it goes on as NaN, which the text format has.
function labelled(metrics: MetricsJson, worker: string): MetricsJson {
  return metrics.map((metric) => ({
    ...metric,
    values: metric.values.map((value) => ({
      ...value,
      value: typeof value.value === 'number' ? value.value : Number.NaN,
      labels: { ...value.labels, worker },
    })),
  }))
}
