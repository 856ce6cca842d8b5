/**
 * `ssehub publish`: send one event to a running hub.
 */
import { parseArgs } from 'node:util'
import { describeFetchFailure, refusalMessage } from './fetch-errors.js'
import { integerFlag, joinDashedValues, UsageError, urlFlag, usageErrors } from './usage-error.js'

export const PUBLISH_HELP = `Usage: ssehub publish <topic> <data> [options]

Publishes one event through POST /publish and prints its id.

Options:
  --event <type>    event type (event: field)
  --id <id>         event id (default: one the hub makes)
  --retry <ms>      retry: field
  --url <url>       hub base URL (env SSEHUB_URL; default http://localhost:3000)
  --key <key>       publish key (env SSEHUB_PUBLISH_KEY)
  -h, --help        this help
`

const OPTIONS = {
  event: { type: 'string' },
  id: { type: 'string' },
  retry: { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Runs `publish`; resolves with the process exit code. */
export async function publish(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: joinDashedValues(args, OPTIONS),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }),
  )
  if (values.help) {
    process.stdout.write(PUBLISH_HELP)
    return 0
  }
  if (positionals.length !== 2) {
    throw new UsageError(`publish takes <topic> <data>, got ${positionals.length} argument(s)`)
  }
  const [topic, data] = positionals as [string, string]
  const base = urlFlag(values.url ?? env.SSEHUB_URL ?? 'http://localhost:3000')
  const retry = integerFlag('retry', values.retry, { min: 0, max: Number.MAX_SAFE_INTEGER })
  const key = values.key ?? env.SSEHUB_PUBLISH_KEY
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== undefined) headers.authorization = `Bearer ${key}`
  const body = JSON.stringify({ topic, data, event: values.event, id: values.id, retry })
  let response: Response
  try {
    response = await fetch(new URL('publish', withSlash(base)), { method: 'POST', headers, body })
  } catch (error) {
    process.stderr.write(`ssehub: cannot reach ${base.href}: ${describeFetchFailure(error)}\n`)
    return 1
  }
  let text: string
  try {
    text = (await response.text()).trim()
  } catch (error) {
    process.stderr.write(`ssehub: no answer from ${base.href}: ${describeFetchFailure(error)}\n`)
    return 1
  }
  if (response.status !== 200) {
    const refusal = refusalMessage(response.status, text, response.headers.get('content-type'))
    process.stderr.write(`ssehub: publish failed: ${refusal}\n`)
    return 1
  }
  process.stdout.write(`${text}\n`)
  return 0
}

/** `new URL('publish', base)` replaces the last path segment unless the base ends in `/`. */
export function withSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`)
}
