// Order statistics the comparison tools print.

/**
 * The values below which the fractions `qs` of `xs` lie (of a pair, the higher one), from one
 * sort: a pooled run holds millions of latencies.
 */
export function quantiles(xs, qs) {
  const sorted = xs.toSorted((a, b) => a - b)
  return qs.map((q) => sorted[Math.floor(xs.length * q)])
}

/** The value below which a fraction `q` of `xs` lies (the higher one of a pair). */
export const quantile = (xs, q) => quantiles(xs, [q])[0]

/** The middle of `xs` (of an even count, the higher of the two in the middle). */
export const median = (xs) => quantile(xs, 0.5)

/** Width of a latency histogram's bins, µs: well under what a p99 in milliseconds moves by. */
const BIN_US = 10
/** Latencies at or past this (µs) share the last bin. */
const HISTOGRAM_MAX_US = 1_000_000

/**
 * Counts of `latencies` (µs) in {@link BIN_US}-wide bins: a round's millions in 400 KB, whatever
 * their number (`interleaved.js` keeps one per block of time, server and round).
 */
export function latencyHistogram(latencies) {
  const bins = new Uint32Array(HISTOGRAM_MAX_US / BIN_US + 1)
  for (const us of latencies) bins[Math.min(bins.length - 1, Math.floor(us / BIN_US))]++
  return bins
}

/**
 * How far the ratio of two servers' pooled quantile `q` can be trusted: rounds are drawn again
 * with replacement, and within each round drawn its blocks of time (the same for both: a round
 * ran them side by side, a block interleaved), the draw pooled and the ratio taken,
 * `resamples` times. Drawing rounds covers what differs between runs of a server (a new
 * process, the machine an hour later); drawing blocks, its slow and fast spells within one.
 * @param a, b per round, one histogram per block of time (see {@link latencyHistogram}); a
 *   round of one block is drawn whole
 * @returns the 5th and 95th percentiles of the resampled ratios a ÷ b
 */
export function resampledRatio(a, b, q, resamples = 2000) {
  const random = seededRandom(1)
  const pick = (length) => Math.floor(random() * length)
  const ratios = []
  for (let r = 0; r < resamples; r++) {
    const drawnA = []
    const drawnB = []
    for (let i = 0; i < a.length; i++) {
      const round = pick(a.length)
      const blocks = a[round].length
      for (let j = 0; j < blocks; j++) {
        // A round of one block takes no draw: the same resamples as when rounds were all there was.
        const block = blocks === 1 ? 0 : pick(blocks)
        drawnA.push(a[round][block])
        drawnB.push(b[round][block])
      }
    }
    ratios.push(pooledQuantile(drawnA, q) / pooledQuantile(drawnB, q))
  }
  return quantiles(ratios, [0.05, 0.95])
}

/**
 * The latency (µs, a bin's lower edge) below which a fraction `q` of those in `histograms` lie
 * (one drawn twice counts twice), summing only the bins above it: a high quantile is found from
 * the top in a few of them.
 */
function pooledQuantile(histograms, q) {
  let total = 0
  let top = 0
  for (const bins of histograms) {
    const { count, highest } = summary(bins)
    total += count
    top = Math.max(top, highest)
  }
  const wanted = Math.floor(total * q)
  let above = 0
  for (let i = top; i >= 0; i--) {
    let here = 0
    for (const bins of histograms) here += bins[i]
    // Those below bin i are at most `wanted`: bin i is the first to pass it.
    if (total - above - here <= wanted) return i * BIN_US
    above += here
  }
  return 0
}

const summaries = new WeakMap()
/** A histogram's count and highest bin in use, worked out once. */
function summary(bins) {
  let known = summaries.get(bins)
  if (known === undefined) {
    let count = 0
    let highest = 0
    for (let i = 0; i < bins.length; i++) {
      count += bins[i]
      if (bins[i] > 0) highest = i
    }
    known = { count, highest }
    summaries.set(bins, known)
  }
  return known
}

/** Mulberry32: the same resamples on every run, so a rerun on the same dumps prints the same. */
function seededRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
