/**
 * A real `redis-server` for tests: on a free loopback port, in a temp dir, stopped and restarted
 * at will (with or without its data, as AOF is on or off).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** A `redis-server` the test controls. */
export interface TestRedis {
  readonly port: number
  readonly url: string
  /** Stops it (SIGKILL by default: no shutdown save) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Starts it again on the same port and dir: with AOF on, with its data; else empty. */
  start(): Promise<void>
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void
  /** Lets a paused server go on (SIGCONT). */
  resume(): void
  /** Stops it and removes its dir. */
  close(): Promise<void>
}

/**
 * Starts `redis-server` on a free loopback port. RDB snapshots off; with `aof`, every write is
 * fsynced before Redis answers (`appendfsync always`), so what was acknowledged survives a kill.
 */
export async function startRedis(options: { aof?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ssehub-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
  args.push(
    ...(options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  )
  let child: ChildProcess | undefined
  const start = async () => {
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = started
    let output = ''
    await new Promise<void>((resolve, reject) => {
      started.stdout?.setEncoding('utf8')
      started.stdout?.on('data', (chunk: string) => {
        output += chunk
        if (output.includes('Ready to accept connections')) resolve()
      })
      started.once('exit', (code) => reject(new Error(`redis-server exited ${code}:\n${output}`)))
    })
  }
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = once(running, 'exit')
    running.kill(signal)
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async close() {
      child?.kill('SIGCONT')
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
