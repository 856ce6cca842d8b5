/**
 * `ssehub serve --demo`: the pages at `/` and `/console`, and the topics they show (the clock,
 * the server's metrics, the stock ticker), wired onto an app by the server.
 */
import { readFileSync } from 'node:fs'
import type { HubApp } from '../app/app.js'
import { CLOCK_TOPIC, startClock } from './clock.js'
import { METRICS_TOPIC, startMetricsTopic } from './metrics-topic.js'
import { STOCKS_TOPIC, startStocks } from './stocks.js'

const PAGES_DIR = new URL('../../demo/', import.meta.url)

/**
 * The demo's pages, by path, read from the package's `demo/` folder: the tour of the four uses
 * at `/`, the developer's console at `/console`.
 */
export function demoPages(): Record<string, string> {
  return {
    '/': readFileSync(new URL('index.html', PAGES_DIR), 'utf8'),
    '/console': readFileSync(new URL('console.html', PAGES_DIR), 'utf8'),
  }
}

/**
 * The topics the page at `/` subscribes to and publishes on: public under `--demo`, so the
 * page works on a hub with a subscriber key too.
 */
export const DEMO_TOPICS: readonly string[] = [
  CLOCK_TOPIC,
  'notifications',
  METRICS_TOPIC,
  STOCKS_TOPIC,
  'chat',
]

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Whether the clock ticks (`--no-clock` stops it). @defaultValue true */
  clock?: boolean | undefined
  /** Counts the events kept for replay, for the dashboard; absent: not shown. */
  historySize?: (() => number) | undefined
}

/**
 * Starts what the demo page shows beside what people publish: the clock (topic `clock`, each
 * second), the server's own metrics (`metrics`, each second) and the stock ticker (`stocks`,
 * keyed by symbol). All ephemeral: none of it enters the history. Returns a function that stops
 * them all (call it before closing the app).
 */
export function startDemo(app: HubApp, options: DemoOptions = {}): () => void {
  const stops = [startMetricsTopic(app, { historySize: options.historySize }), startStocks(app.hub)]
  if (options.clock !== false) stops.push(startClock(app.hub, CLOCK_TOPIC, 1000))
  return () => {
    for (const stop of stops) stop()
  }
}
