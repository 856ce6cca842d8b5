/**
 * Starts real hub servers for tests: in this process (port 0), or as an `ssehub serve` child
 * process from the built `dist/` (for signals, kills and restarts).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { listen, type RunningServer } from '../../src/adapters/node.js'
import { createHubApp, type HubApp } from '../../src/app/app.js'
import type { HubAppOptions } from '../../src/app/options.js'

/** A hub app served on 127.0.0.1 and a free port. */
export interface TestServer extends RunningServer {
  readonly app: HubApp
}

/**
 * Serves a new hub app on 127.0.0.1:0, with no clock and no `retry:` on open unless asked (so
 * that streams carry only what a test sends). Close it with `close()`.
 */
export async function startTestServer(options: HubAppOptions = {}): Promise<TestServer> {
  const app = createHubApp({ retryMs: null, ...options })
  const running = await listen(app, { port: 0, host: '127.0.0.1', closeTimeoutMs: 200 })
  return { ...running, app, close: () => running.close() }
}

/** The built CLI entry point. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

/** A running `ssehub serve` child process. */
export interface ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly port: number
  /** Everything written to stderr so far (JSON log lines). */
  stderr(): string
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>
}

/**
 * Spawns `node dist/cli/main.js serve …` and waits for its `listening` log line.
 *
 * @param args extra `serve` flags; `--port 0 --host 127.0.0.1` unless `--port` is among them,
 *   `--workers 1` unless `--workers` is.
 */
export async function spawnServer(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const portArgs = args.includes('--port') ? [] : ['--port', '0', '--host', '127.0.0.1']
  // One process unless a test asks for workers: kills and restarts then mean one process.
  const workerArgs = args.includes('--workers') ? [] : ['--workers', '1']
  const child = spawn(process.execPath, [CLI_PATH, 'serve', ...portArgs, ...workerArgs, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
      const match = /"msg":"listening","url":"([^"]+)"/.exec(stderr)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    exited.then((code) =>
      reject(new Error(`ssehub serve exited with ${code} before listening:\n${stderr}`)),
    )
  })
  return { child, url, port: Number(new URL(url).port), stderr: () => stderr, exited }
}
