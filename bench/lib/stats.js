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
