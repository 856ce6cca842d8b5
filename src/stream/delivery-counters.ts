/**
 * What delivery counts for an operator: the app's counters (`HubCounters`) are one such.
 */

/** Counts kept as events reach streams; plain fields, incremented on the delivery path. */
export interface DeliveryCounters {
  /** Events handed to streams: one per event per stream, replayed events included. */
  delivered: number
  /** Bytes of those events as encoded. */
  deliveredBytes: number
  /** Streams that asked to resume after a `Last-Event-ID`. */
  replays: number
  /** Of those, how many asked for an id no longer (or never) in the history. */
  replayGaps: number
}

/** Counters nobody reads: where deliveries go uncounted when no app's counters are given. */
export function uncounted(): DeliveryCounters {
  return { delivered: 0, deliveredBytes: 0, replays: 0, replayGaps: 0 }
}
