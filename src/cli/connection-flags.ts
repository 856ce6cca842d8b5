/**
 * `ssehub serve`'s flags for connections: how many, and how long a request may take to arrive.
 */
import type { ListenOptions } from '../adapters/node-options.js'
import type { FlagLabel } from './flag-layers.js'
import type { FlagTable } from './flags.js'
import { integerFlag } from './usage-error.js'

/** The help lines of the connection flags. */
export const CONNECTION_HELP = `Connections (per process):
  --max-connections <n>      connections kept at once; past it each is answered, then closed
                             (an EventSource told to retry later, others 429); 0 for no limit
                             (env SSEHUB_MAX_CONNECTIONS; default: the open-files limit less
                             10% of it, from 32 to 512 files kept free)
  --max-connections-per-ip <n>
                             the same for one client address (env SSEHUB_MAX_CONNECTIONS_PER_IP;
                             default: none, as behind a proxy every client has its address)
  --headers-timeout <s>      seconds for a request head to arrive, 0 for no limit (default 10)
  --body-timeout <s>         seconds for a request body to arrive, 0 for no limit (default 10)
  --keep-alive-timeout <s>   seconds an idle connection is kept between requests (default 5)
`

/** The flags, for `parseArgs`. */
export const CONNECTION_FLAGS = {
  'max-connections': { type: 'string', env: 'SSEHUB_MAX_CONNECTIONS' },
  'max-connections-per-ip': { type: 'string', env: 'SSEHUB_MAX_CONNECTIONS_PER_IP' },
  'headers-timeout': { type: 'string' },
  'body-timeout': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
} as const satisfies FlagTable

type Values = { [K in keyof typeof CONNECTION_FLAGS]?: string }

const INT_MAX = Number.MAX_SAFE_INTEGER
/** Longest timeout a Node timer takes, in whole seconds. */
const MAX_TIMEOUT_S = Math.floor((2 ** 31 - 1) / 1000)

/**
 * The `listen` options from the flags (environment and config file already layered in); 0
 * turns a limit off.
 *
 * @throws {UsageError} for a value that is not an integer in range, named by `label`.
 */
export function listenOptionsFrom(values: Values, label: FlagLabel): ListenOptions {
  const count = (name: keyof Values) => {
    const n = integerFlag(name, values[name], { min: 0, max: INT_MAX }, label)
    return n === 0 ? null : n
  }
  const seconds = (name: keyof Values, min: number) => {
    const s = integerFlag(name, values[name], { min, max: MAX_TIMEOUT_S }, label)
    return s === undefined ? undefined : s === 0 ? null : s * 1000
  }
  const keepAliveTimeoutMs = seconds('keep-alive-timeout', 1)
  return {
    maxConnections: count('max-connections'),
    maxConnectionsPerIp: count('max-connections-per-ip'),
    headersTimeoutMs: seconds('headers-timeout', 0),
    bodyTimeoutMs: seconds('body-timeout', 0),
    keepAliveTimeoutMs: keepAliveTimeoutMs ?? undefined,
  }
}
