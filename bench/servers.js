// How the benchmark starts each server under test, on a loopback port, and how it publishes
// to it. Used by bench/run.js.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so'

/** The peers' publish request: topic in the query, the body is the data. */
const publishInQuery = (topic, data) => ({
  path: `/publish?topic=${encodeURIComponent(topic)}`,
  headers: {},
  body: data,
})

/** Each server: how to start it, and the publish request for one event. */
export const SERVERS = {
  ssehub: {
    start: (port, nodeFlags = []) =>
      spawn(process.execPath, [
        ...nodeFlags,
        join(root, 'dist/cli/main.js'),
        'serve',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--no-clock',
        '--heartbeat',
        '15',
        // The peers have no cap on unsent bytes; a burst must not be cut short by ours.
        '--max-buffered-bytes',
        String(256 * 1024 * 1024),
      ]),
    publish: (topic, data) => ({
      path: '/publish',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `topic=${encodeURIComponent(topic)}&data=${encodeURIComponent(data)}`,
    }),
  },
  seed: {
    start: (port, nodeFlags = []) =>
      spawn(process.execPath, [
        ...nodeFlags,
        join(root, 'bench/peers/seed-style.js'),
        String(port),
      ]),
    publish: publishInQuery,
  },
  'better-sse': {
    start: (port) =>
      spawn(process.execPath, [join(root, 'bench/peers/better-sse.js'), String(port)]),
    publish: publishInQuery,
  },
  nchan: {
    available: () => {
      try {
        return spawnSyncOk('nginx', ['-v']) && existsSync(NCHAN_MODULE)
      } catch {
        return false
      }
    },
    start: (port) => {
      const dir = mkdtempSync(join(tmpdir(), 'ssehub-bench-nchan-'))
      const config = join(dir, 'nginx.conf')
      writeFileSync(
        config,
        `load_module ${NCHAN_MODULE};
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
master_process off;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    location = /events { nchan_subscriber eventsource; nchan_channel_id $arg_topic; }
    location = /publish { nchan_publisher; nchan_channel_id $arg_topic; nchan_message_buffer_length 100; }
  }
}
`,
      )
      return spawn('nginx', ['-c', config, '-p', dir])
    },
    publish: publishInQuery,
  },
}

function spawnSyncOk(command, args) {
  return spawnSync(command, args).status === 0
}
