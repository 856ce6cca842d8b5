/**
 * The demo's `metrics` topic: the server's own figures, published every second for the
 * dashboard. Real counters of this process, never made up.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { HubApp } from '../app/app.js'

/** Default topic of {@link startMetricsTopic}. */
export const METRICS_TOPIC = 'metrics'

/** One `metrics` event's data (JSON). */
export interface MetricsSample {
  /** When it was taken (ms since the epoch). */
  readonly time: number
  /** Streams open now in this process. */
  readonly connections: number
  /** Events handed to streams per second, over the last interval. */
  readonly eventsPerSecond: number
  /** Bytes of those events per second. */
  readonly bytesPerSecond: number
  /** Events kept for replay; `null` where this process cannot count them (a worker). */
  readonly historySize: number | null
  /** Longest event-loop delay over the last interval, in ms. */
  readonly eventLoopLagMs: number
}

/** Options of {@link startMetricsTopic}. */
export interface MetricsTopicOptions {
  /** @defaultValue {@link METRICS_TOPIC} */
  topic?: string | undefined
  /** @defaultValue 1000 */
  intervalMs?: number | undefined
  /** Counts the events kept for replay; absent: `historySize` is `null`. */
  historySize?: (() => number) | undefined
}

/**
 * Publishes a {@link MetricsSample} of `app` every interval (ephemeral: never in the history).
 * Returns a function that stops it.
 */
export function startMetricsTopic(app: HubApp, options: MetricsTopicOptions = {}): () => void {
  const topic = options.topic ?? METRICS_TOPIC
  const intervalMs = options.intervalMs ?? 1000
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  let last = app.stats()
  let lastAt = performance.now()
  const timer = setInterval(() => {
    const stats = app.stats()
    const now = performance.now()
    const seconds = Math.max((now - lastAt) / 1000, 0.001)
    const sample: MetricsSample = {
      time: Date.now(),
      connections: stats.streams,
      eventsPerSecond: Math.round((stats.delivered - last.delivered) / seconds),
      bytesPerSecond: Math.round((stats.deliveredBytes - last.deliveredBytes) / seconds),
      historySize: options.historySize?.() ?? null,
      // The histogram's count is in ns; a loop that never waited reports its resolution.
      eventLoopLagMs: Math.round(lag.max / 1e4) / 100,
    }
    lag.reset()
    last = stats
    lastAt = now
    app.hub
      .publish(topic, { event: 'metrics', data: JSON.stringify(sample) }, { ephemeral: true })
      .catch(() => {})
  }, intervalMs)
  timer.unref?.()
  return () => {
    clearInterval(timer)
    lag.disable()
  }
}
