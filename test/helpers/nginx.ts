/**
 * A real nginx in front of ssehub nodes, as the README's scale-out section configures it: on a
 * free loopback port, with its own generated config, pid file and temp dirs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './redis.js'

/** The settings SSE needs behind nginx (the README shows the same). */
export const SSE_PROXY_SETTINGS = `
      proxy_http_version 1.1;          # keep-alive to the nodes, no HTTP/1.0 close
      proxy_set_header Connection '';
      proxy_buffering off;             # each event goes out as soon as it comes in
      proxy_cache off;
      proxy_read_timeout 1h;           # streams are long; heartbeats keep them alive too`

/** nginx's config for `upstreams` (host:port each), listening on 127.0.0.1:`port`. */
export function nginxConfig(port: number, upstreams: readonly string[], dir: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream ssehub {
${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://ssehub;${SSE_PROXY_SETTINGS}
    }
  }
}
`
}

/** A running nginx. */
export interface TestNginx {
  readonly url: string
  close(): Promise<void>
}

/** Starts nginx in front of `upstreams` and resolves once it accepts connections. */
export async function startNginx(upstreams: readonly string[]): Promise<TestNginx> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ssehub-nginx-'))
  // Run as root, nginx's worker drops to `nobody`: it must be able to enter the temp dirs.
  chmodSync(dir, 0o777)
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConfig(port, upstreams, dir))
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf, '-e', 'stderr'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = once(child, 'exit')
  await Promise.race([
    acceptsConnections(port),
    exited.then(() => {
      throw new Error(`nginx exited:\n${stderr}`)
    }),
  ])
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection (tried again on each refusal). */
async function acceptsConnections(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
