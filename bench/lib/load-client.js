// The C load client (../load-client.c): built once per run, then one process per scenario,
// driven over its stdin/stdout line protocol.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { track } from './processes.js'

const bench = fileURLToPath(new URL('..', import.meta.url))

/** Compiles the load client into bench/results/ and returns its path. */
export function buildLoadClient() {
  const binary = join(bench, 'results', 'load-client')
  mkdirSync(join(bench, 'results'), { recursive: true })
  execFileSync('cc', ['-O2', '-o', binary, join(bench, 'load-client.c')])
  return binary
}

/**
 * Starts `count` subscribers on `path` (`%d`: the subscriber's index). `ready` resolves with the
 * µs it took until every stream had its response headers.
 */
export function startLoadClient(binary, port, path, count) {
  const child = track(
    spawn(binary, ['127.0.0.1', String(port), path, String(count)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  )
  const lines = createInterface({ input: child.stdout })
  const pending = []
  lines.on('line', (line) => pending.shift()?.(line))
  const next = () => new Promise((resolve) => pending.push(resolve))
  const failed = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`load client exited with ${code}`))),
  )
  failed.catch(() => {})
  const ask = async (command) => {
    const answer = next()
    child.stdin.write(`${command}\n`)
    return JSON.parse(await Promise.race([answer, failed]))
  }
  return {
    child,
    ready: Promise.race([next(), failed]).then((line) => ({ us: Number(line.split(' ')[2]) })),
    ask,
    /** Polls until `done(status)` or no progress for `stallMs`; returns the last answer. */
    async waitUntil(command, done, stallMs = 5000) {
      let last = await ask(command)
      let progressAt = performance.now()
      while (!done(last) && performance.now() - progressAt < stallMs) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        const now = await ask(command)
        if (now.events > last.events || now.ready > last.ready) progressAt = performance.now()
        last = now
      }
      return last
    },
  }
}
