/**
 * A process's metrics as a `prom-client` registry: the app's counters and gauges, read when
 * scraped, and Node's own (event-loop delay, memory, CPU, GC).
 */
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client'
import type { HubApp, HubAppStats } from '../app/app.js'
import { type MetricsEndpoint, REFUSAL_REASONS } from '../http/metrics.js'
import type { HistoryStats } from '../hub/transport.js'

/** One process's metrics as `Registry.getMetricsAsJSON()` gives them. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[]

/** What {@link createMetricsRegistry} reports. */
export interface MetricsRegistryOptions {
  /** The app whose counters and gauges are reported; absent in a process serving no clients. */
  app?: HubApp | undefined
  /**
   * How much this process keeps for replay (the history gauges); `null`: none here (a worker
   * whose hub's history is in the primary).
   * @defaultValue the app's `hub.historyStats`; none without an app
   */
  history?: (() => HistoryStats) | null | undefined
  /** Whether Node's process metrics (`collectDefaultMetrics`) are reported. @defaultValue true */
  processMetrics?: boolean | undefined
}

/**
 * Creates a registry of ssehub's metrics. Every value is read from its source when scraped
 * (`collect`), so nothing on a publish or a delivery calls `prom-client`. No label comes from a
 * client: topics and addresses never become series.
 *
 * @example
 * const app = createHubApp({ metrics: (app) => registryEndpoint(createMetricsRegistry({ app })) })
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry()
  const registers = [registry]
  const { app } = options
  if (app !== undefined) {
    const stats = () => app.stats()
    const total = (name: string, help: string, read: (s: HubAppStats) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(read(stats()))
        },
      })
    const gauge = (name: string, help: string, read: (s: HubAppStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(stats()))
        },
      })
    total(
      'ssehub_events_published_total',
      'Events published through this process (POST /publish, Mercure), once stored.',
      (s) => s.published,
    )
    total(
      'ssehub_events_delivered_total',
      'Events handed to streams: one per event per stream, replays included.',
      (s) => s.delivered,
    )
    total(
      'ssehub_delivered_bytes_total',
      'Bytes of the events handed to streams, as encoded (no HTTP framing, no heartbeats).',
      (s) => s.deliveredBytes,
    )
    total(
      'ssehub_replays_total',
      'Streams that asked to resume after a Last-Event-ID.',
      (s) => s.replays,
    )
    total(
      'ssehub_replay_gaps_total',
      'Resumes whose Last-Event-ID was no longer (or never) in the history.',
      (s) => s.replayGaps,
    )
    new Counter({
      name: 'ssehub_streams_dropped_total',
      help: 'Streams the server cut: over their unsent-bytes cap (overflow), or not read (stall).',
      labelNames: ['reason'],
      registers,
      collect() {
        const { overflows, stalls } = stats()
        this.reset()
        this.inc({ reason: 'overflow' }, overflows)
        this.inc({ reason: 'stall' }, stalls)
      },
    })
    new Counter({
      name: 'ssehub_requests_refused_total',
      help: `Requests refused by a limit, by reason (${REFUSAL_REASONS.join(', ')}).`,
      labelNames: ['reason'],
      registers,
      collect() {
        const { refused } = stats()
        this.reset()
        for (const reason of REFUSAL_REASONS) this.inc({ reason }, refused[reason])
      },
    })
    gauge('ssehub_streams', 'Event streams open.', (s) => s.streams)
    gauge(
      'ssehub_subscriptions',
      'Subscriptions: one per stream, open or being opened.',
      (s) => s.subscribers,
    )
    gauge(
      'ssehub_ready',
      '1 while /readyz answers 200 (store reachable, not draining), else 0.',
      (s) => (s.ready ? 1 : 0),
    )
  }
  const history =
    options.history === undefined && app !== undefined
      ? () => app.hub.historyStats()
      : (options.history ?? null)
  if (history !== null) {
    new Gauge({
      name: 'ssehub_history_events',
      help: 'Events this process keeps for replay.',
      registers,
      collect() {
        this.set(history().events)
      },
    })
    new Gauge({
      name: 'ssehub_history_bytes',
      help: 'Encoded bytes of the events this process keeps for replay.',
      registers,
      collect() {
        this.set(history().bytes)
      },
    })
  }
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry })
  return registry
}

/** `GET /metrics` answered with `registry`'s text. */
export function registryEndpoint(registry: Registry): MetricsEndpoint {
  return { contentType: registry.contentType, render: () => registry.metrics() }
}
