// How the benchmark starts each server under test, on a loopback port, how a stream subscribes
// to it and how it publishes to it. Used by bench/run.js and the scenarios.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so'
/** The per-process fd limit here; 19,000 streams need it raised from the usual 1,024. */
export const FD_LIMIT = 20000

/**
 * Starts `command` with its fd limit raised: Node cannot call setrlimit itself, so a shell
 * raises it and then becomes the server (`exec`), keeping the pid the benchmark measures.
 */
function spawnWithFdLimit(command, args) {
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  return spawn('bash', ['-c', `ulimit -n ${FD_LIMIT}; exec ${quoted}`])
}

const nodeServer = (script, extra = []) => ({
  start: (port, nodeFlags = []) =>
    spawnWithFdLimit(process.execPath, [...nodeFlags, join(root, script), String(port), ...extra]),
})

/** `/events?topic=a&topic=b`: the Node servers take repeated `topic` parameters. */
const topicsInQuery = (topics) =>
  `/events?${topics.map((t) => `topic=${encodeURIComponent(t).replace('%25d', '%d')}`).join('&')}`

/**
 * `/.well-known/mercure?topic=…` for Mercure topic selectors (URI templates). The load client
 * fills the path in with printf, so every `%` of the encoding is doubled, but for `%d`.
 */
const mercureSelectorsInQuery = (selectors) =>
  `/.well-known/mercure?${selectors
    .map((s) => `topic=${encodeURIComponent(s).replaceAll('%', '%%').replaceAll('%%25d', '%d')}`)
    .join('&')}`

/** The peers' publish request: topic in the query, the body is the data. */
const publishInQuery = (topic, data) => ({
  path: `/publish?topic=${encodeURIComponent(topic)}`,
  headers: {},
  body: data,
})

/**
 * `ssehub serve` with `workers` processes (CPU and memory are summed over all of them), from the
 * build in `dist` (a copy of another build, such as `dist-before`, for a comparison).
 */
export function ssehubServer(workers, dist = 'dist') {
  return {
    // `extra` flags come last, so they override the defaults (parseArgs keeps the last value).
    start: (port, nodeFlags = [], extra = []) =>
      spawnWithFdLimit(process.execPath, [
        ...nodeFlags,
        join(root, dist, 'cli/main.js'),
        'serve',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--workers',
        String(workers),
        '--no-clock',
        '--heartbeat',
        '15',
        // The peers have no cap on unsent bytes; a burst must not be cut short by ours.
        '--max-buffered-bytes',
        String(256 * 1024 * 1024),
        ...extra,
      ]),
    subscribePath: topicsInQuery,
    selectorPath: mercureSelectorsInQuery,
    publish: (topic, data) => ({
      path: '/publish',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `topic=${encodeURIComponent(topic)}&data=${encodeURIComponent(data)}`,
    }),
    eventId: (responseBody) => responseBody,
  }
}

/**
 * Each server: how to start it, the subscribe path for a list of topics (`%d` is the
 * subscriber's index), the publish request for one event, and, for those that replay missed
 * events, the id of a published event from the publish response.
 */
export const SERVERS = {
  ssehub: ssehubServer(1),
  // Opt-in (`--servers ssehub,ssehub-2w`): the speed-up from one to two worker processes.
  'ssehub-2w': { ...ssehubServer(2), optIn: true },
  'raw-node': {
    ...nodeServer('bench/peers/raw-node.js'),
    subscribePath: topicsInQuery,
    publish: publishInQuery,
  },
  seed: {
    ...nodeServer('bench/peers/seed-style.js'),
    subscribePath: topicsInQuery,
    publish: publishInQuery,
  },
  'better-sse': {
    ...nodeServer('bench/peers/better-sse.js'),
    subscribePath: topicsInQuery,
    publish: publishInQuery,
  },
  nchan: nchanServer(1),
  // Opt-in (`--servers ssehub,ssehub-express,ssehub-fastify,ssehub-hono`): the hub mounted in
  // each framework by its adapter, with ssehub's own publish request.
  ...Object.fromEntries(
    ['express', 'fastify', 'hono'].map((framework) => [
      `ssehub-${framework}`,
      {
        ...nodeServer('bench/peers/ssehub-in.js', [framework]),
        subscribePath: topicsInQuery,
        publish: ssehubServer(1).publish,
        eventId: (responseBody) => responseBody,
        optIn: true,
      },
    ]),
  ),
  // Opt-in (`--servers nchan,nchan-2w`): Nchan with a worker per core, beside `ssehub-2w`.
  'nchan-2w': { ...nchanServer(2), optIn: true },
}

/** Nginx with the Nchan module and `workers` worker processes, its config written for the run. */
function nchanServer(workers) {
  return {
    available: () => {
      try {
        return spawnSync('nginx', ['-v']).status === 0 && existsSync(NCHAN_MODULE)
      } catch {
        return false
      }
    },
    start: (port) => {
      const dir = mkdtempSync(join(tmpdir(), 'ssehub-bench-nchan-'))
      const config = join(dir, 'nginx.conf')
      writeFileSync(config, nchanConfig(dir, port, workers))
      return spawnWithFdLimit('nginx', ['-c', config, '-p', dir])
    },
    subscribePath: (topics) =>
      topics.length === 1
        ? `/events?topic=${topics[0]}`
        : `/multi?topic=${topics[0]}&also=${topics[1]}`,
    publish: publishInQuery,
    eventId: (responseBody) => /last message id: (\S+)/.exec(responseBody)?.[1],
  }
}

/**
 * `list` starting at its `turn`-th item (modulo its length), the rest after it in order: each
 * round or size starts with the next server, since whoever goes first takes whatever the machine
 * does then, and a fixed order puts the same one in the same slot every time.
 */
export function inTurn(list, turn) {
  const first = turn % list.length
  return [...list.slice(first), ...list.slice(0, first)]
}

/**
 * The servers a comparison tool takes turns with: ssehub builds named `name=dir` (a copy of a
 * build, such as `dist-before`; `--workers` each) from `builds`, then peers by name from
 * `servers`, both comma-separated.
 * @returns [name, server] pairs in that order.
 */
export function comparedServers(builds, servers, workers = 1) {
  const list = builds
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [name, dist] = pair.split('=')
      return [name, { ...ssehubServer(workers, dist), workers }]
    })
  for (const name of servers.split(',').filter(Boolean)) {
    if (SERVERS[name] === undefined) throw new Error(`unknown server ${name}`)
    list.push([name, SERVERS[name]])
  }
  return list
}

/** One worker runs in the process started (no master); more need nginx's master process. */
function nchanConfig(dir, port, workers) {
  return `load_module ${NCHAN_MODULE};
worker_processes ${workers};
worker_rlimit_nofile ${FD_LIMIT};
daemon off;
master_process ${workers > 1 ? 'on' : 'off'};
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections ${FD_LIMIT}; }
http {
  access_log off;
  client_body_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    location = /events { nchan_subscriber eventsource; nchan_channel_id $arg_topic; }
    location = /multi { nchan_subscriber eventsource; nchan_channel_id $arg_topic $arg_also; }
    location = /publish {
      nchan_publisher;
      nchan_channel_id $arg_topic;
      # Enough for the reconnect storm's 100 events back.
      nchan_message_buffer_length 1000;
    }
  }
}
`
}
