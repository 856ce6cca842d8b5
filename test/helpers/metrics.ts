/**
 * Reads Prometheus text for tests, by its own small parser (not prom-client's), so a bug in how
 * the server renders cannot hide in how the test reads.
 */

/** Every sample of a scrape: `name{labels}` (as written) to its value. */
export type Samples = Map<string, number>

/** Parses the sample lines of the text format; comments and blank lines are skipped. */
export function parseSamples(text: string): Samples {
  const samples: Samples = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (match === null) throw new Error(`not a sample line: ${JSON.stringify(line)}`)
    samples.set(match[1] as string, Number(match[2]))
  }
  return samples
}

/** `GET /metrics` on `url`, parsed; on a fresh connection (with `--workers`, any worker may answer). */
export async function scrape(url: string): Promise<Samples> {
  const response = await fetch(`${url}/metrics`, { headers: { connection: 'close' } })
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`)
  return parseSamples(await response.text())
}

/** The value of `series` (`name` or `name{labels}`), or throws naming what there is. */
export function sample(samples: Samples, series: string): number {
  const value = samples.get(series)
  if (value === undefined) {
    const name = series.replace(/\{.*$/, '')
    const near = [...samples.keys()].filter((key) => key.startsWith(name))
    throw new Error(`no sample ${series}; there are: ${near.join(', ') || 'none'}`)
  }
  return value
}
