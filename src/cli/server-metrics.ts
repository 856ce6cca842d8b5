/**
 * The server's `/metrics`: one process's registry, or under `--workers` every process's,
 * gathered through the primary.
 */
import type { HubApp } from '../app/app.js'
import type { MetricsEndpoint } from '../http/metrics.js'
import type { Transport } from '../hub/transport.js'
import {
  type PrimaryMetrics,
  servePrimaryMetrics,
  workerMetricsEndpoint,
} from '../metrics/cluster-metrics.js'
import { createMetricsRegistry, registryEndpoint } from '../metrics/prometheus.js'

/**
 * The app's `metrics` option: its registry alone (`worker` null), or the worker's part of the
 * cluster's. `historyInPrimary`: the worker's hub keeps no history of its own (the primary
 * reports it).
 */
export function serverMetrics(
  worker: number | null,
  historyInPrimary: boolean,
): (app: HubApp) => MetricsEndpoint {
  return (app) => {
    const registry = createMetricsRegistry({
      app,
      history: historyInPrimary ? null : undefined,
    })
    return worker === null
      ? registryEndpoint(registry)
      : workerMetricsEndpoint(registry, String(worker))
  }
}

/**
 * In the primary of `--workers`: answers the workers' gatherings, with its own process metrics
 * and, when it holds the hub's state (`stored`, without Redis), the history's size.
 */
export function servePrimaryMetricsFor(stored: Transport | undefined): PrimaryMetrics {
  const history = stored === undefined ? null : () => stored.historyStats()
  return servePrimaryMetrics(createMetricsRegistry({ history }))
}
