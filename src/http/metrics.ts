/**
 * What a hub app counts for an operator, and how its `GET /metrics` is served. No metrics
 * library here: the counters are plain numbers, read when something asks (the `ssehub` server
 * turns them into Prometheus text with `prom-client`).
 */
import { SseError, type SseErrorCode } from '../errors.js'

/**
 * Why a request was refused, as counted: a small fixed set, so a metric labelled with it has a
 * bounded number of series.
 *
 * - `connections`: a connection limit (the adapter's);
 * - `rate`: a publish rate limit;
 * - `size`: a body, header or event over its limit;
 * - `topics`: too many topics in one subscription or event;
 * - `selectors`: a Mercure selector over its limits;
 * - `timeout`: a request deadline passed.
 */
export const REFUSAL_REASONS = [
  'connections',
  'rate',
  'size',
  'topics',
  'selectors',
  'timeout',
] as const

/** One of {@link REFUSAL_REASONS}. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** Refusals counted by reason, each since start. */
export type RefusalCounts = Readonly<Record<RefusalReason, number>>

/**
 * Counters of one app, each since it started. The app, its streams and its adapter add to
 * them; they are read when metrics are asked for, never pushed anywhere.
 *
 * Deliveries are counted once per event per fan-out (the number of streams it reached added
 * at once), not per socket write: the count costs an addition per event, whatever the number of
 * subscribers.
 */
export class HubCounters {
  /** Events published through the app's routes (`POST /publish`, Mercure), once stored. */
  published = 0
  /** Events handed to streams: one per event per stream, replayed events included. */
  delivered = 0
  /** Bytes of those events as encoded (the SSE text; HTTP chunk framing and heartbeats not counted). */
  deliveredBytes = 0
  /** Streams that asked to resume after a `Last-Event-ID`. */
  replays = 0
  /** Of those, how many asked for an id no longer (or never) in the history. */
  replayGaps = 0
  /** Streams closed for exceeding their unsent-bytes cap. */
  overflows = 0
  /** Streams cut because their client stopped reading (the write-stall limit). */
  stalls = 0
  readonly #refused: Record<RefusalReason, number> = {
    connections: 0,
    rate: 0,
    size: 0,
    topics: 0,
    selectors: 0,
    timeout: 0,
  }

  /** Counts one refused request. */
  refuse(reason: RefusalReason): void {
    this.#refused[reason]++
  }

  /** Refusals so far, by reason (a copy). */
  refused(): RefusalCounts {
    return { ...this.#refused }
  }
}

// Codes that only a limit raises. A limit whose code is shared with plain bad input counts where
// it refuses, through `HubCounters.refuse`.
const REFUSAL_BY_CODE: Partial<Record<SseErrorCode, RefusalReason>> = {
  ERR_SSE_TOO_MANY_TOPICS: 'topics',
  ERR_SSE_SELECTOR_LIMIT: 'selectors',
  ERR_SSE_TOO_MANY_REQUESTS: 'rate',
  ERR_SSE_PAYLOAD_TOO_LARGE: 'size',
  ERR_SSE_HEADERS_TOO_LARGE: 'size',
  ERR_SSE_REQUEST_TIMEOUT: 'timeout',
}

/** The refusal `error` stands for, if it is one a route's limit raised. */
export function refusalOf(error: unknown): RefusalReason | undefined {
  return error instanceof SseError ? REFUSAL_BY_CODE[error.code] : undefined
}

/**
 * What `GET /metrics` answers with: the text a metrics library renders.
 *
 * @example
 * const registry = new Registry() // prom-client
 * createHubApp({
 *   metrics: (app) => ({ contentType: registry.contentType, render: () => registry.metrics() }),
 * })
 */
export interface MetricsEndpoint {
  /** The response's `content-type`. */
  readonly contentType: string
  /** The body; a rejection is answered 500 and logged. */
  render(): Promise<string>
}
