/**
 * The demo's `stocks` topic: a dozen made-up symbols whose prices move many times a second,
 * each event keyed by its symbol so a slow client gets the latest price of each, not a backlog.
 */
import type { Hub } from '../hub/hub.js'

/** Default topic of {@link startStocks}. */
export const STOCKS_TOPIC = 'stocks'

/** The symbols and their base prices. Made up: no real company's ticker. */
export const SYMBOLS: ReadonlyArray<readonly [symbol: string, base: number]> = [
  ['ACME', 182.4],
  ['BOLT', 41.9],
  ['CRUX', 97.15],
  ['DYNA', 310.6],
  ['EMBR', 12.84],
  ['FLUX', 66.3],
  ['GLYF', 148.05],
  ['HALO', 23.7],
  ['IONX', 254.2],
  ['JADE', 8.91],
  ['KITE', 77.45],
  ['LUMA', 129.9],
]

/** One `stocks` event's data (JSON). */
export interface StockQuote {
  readonly symbol: string
  readonly price: number
  /** Change since the base price, in percent. */
  readonly change: number
  /** When it was priced (ms since the epoch). */
  readonly time: number
}

// A fixed function of the time, not a random walk: every worker of `--workers` prices the same
// symbol the same at the same moment, so a client that reconnects to another sees no jump.
function priceAt(index: number, base: number, timeMs: number): number {
  const t = timeMs / 1000
  const wave =
    0.03 * Math.sin(t / (17 + index * 3) + index) +
    0.012 * Math.sin(t / (3.1 + index * 0.7) + 2 * index) +
    0.004 * Math.sin(t * (1.3 + index * 0.11))
  return Math.round(base * (1 + wave) * 100) / 100
}

/** The quote of symbol `index` of {@link SYMBOLS} at `timeMs`. */
export function quoteAt(index: number, timeMs: number): StockQuote {
  const [symbol, base] = SYMBOLS[index % SYMBOLS.length] as readonly [string, number]
  const price = priceAt(index, base, timeMs)
  return { symbol, price, change: Math.round((price / base - 1) * 10_000) / 100, time: timeMs }
}

/**
 * Publishes a quote of a quarter of the symbols every `intervalMs` (by default 60 events a
 * second), ephemeral and keyed by symbol. Returns a function that stops it.
 */
export function startStocks(hub: Hub, topic = STOCKS_TOPIC, intervalMs = 50): () => void {
  let next = 0
  const perTick = Math.ceil(SYMBOLS.length / 4)
  const timer = setInterval(() => {
    const now = Date.now()
    for (let i = 0; i < perTick; i++) {
      const quote = quoteAt(next, now)
      next = (next + 1) % SYMBOLS.length
      hub
        .publish(
          topic,
          { event: 'stock', data: JSON.stringify(quote), key: quote.symbol },
          { ephemeral: true },
        )
        .catch(() => {})
    }
  }, intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
