// Order statistics the comparison tools print.

/** The value below which a fraction `q` of `xs` lies (the higher one of a pair). */
export const quantile = (xs, q) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length * q)]

/** The middle of `xs` (of an even count, the higher of the two in the middle). */
export const median = (xs) => quantile(xs, 0.5)
