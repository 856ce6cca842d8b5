/**
 * `ssehub subscribe`: print a hub's events, reconnecting and resuming with the last id.
 */
import { parseArgs } from 'node:util'
import { subscribe as subscribeTo } from '../client/subscribe.js'
import { describeStreamFailure } from './fetch-errors.js'
import { withSlash } from './publish.js'
import { joinDashedValues, UsageError, urlFlag, usageErrors } from './usage-error.js'

export const SUBSCRIBE_HELP = `Usage: ssehub subscribe <topic...> [options]

Prints the events of one or more topics until interrupted: the data of each event on its own
line, or one JSON object per event with --json. Reconnects by itself and resumes after the
last event id it saw.

Options:
  --url <url>             hub base URL (env SSEHUB_URL; default http://localhost:3000)
  --last-event-id <id>    start after this event id (replay what was missed)
  --json                  print {"id","event","data"} per line
  -h, --help              this help
`

const OPTIONS = {
  url: { type: 'string' },
  'last-event-id': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Runs `subscribe` until SIGINT/SIGTERM; resolves with the process exit code. */
export async function subscribe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: joinDashedValues(args, OPTIONS),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }),
  )
  if (values.help) {
    process.stdout.write(SUBSCRIBE_HELP)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('subscribe takes at least one <topic>')
  const url = new URL(
    'events',
    withSlash(urlFlag(values.url ?? env.SSEHUB_URL ?? 'http://localhost:3000')),
  )
  for (const topic of positionals) url.searchParams.append('topic', topic)
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  process.once('SIGTERM', () => controller.abort())
  await subscribeTo(url, {
    lastEventId: values['last-event-id'],
    signal: controller.signal,
    onEvent: (event) => {
      const line = values.json
        ? JSON.stringify({ id: event.lastEventId, event: event.event, data: event.data })
        : event.data
      process.stdout.write(`${line}\n`)
    },
    onStatus: (status) => {
      const message = status.connected
        ? 'connected'
        : `disconnected: ${describeStreamFailure(status.error)}`
      process.stderr.write(`ssehub: ${message}\n`)
    },
  })
  return 0
}
