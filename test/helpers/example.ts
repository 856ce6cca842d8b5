/**
 * Runs an app of examples/ as its own process, as a user would (`node examples/x.mjs`), on a
 * free port.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** A running example app. */
export interface ExampleProcess {
  readonly child: ChildProcess
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Stops it (SIGKILL) and resolves once it has exited. */
  stop(): Promise<void>
}

/** Starts `examples/<name>` with `PORT=0` and `env`, and waits for its `listening on` line. */
export async function startExample(
  name: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ExampleProcess> {
  const path = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))
  const child = spawn(process.execPath, [path], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit')
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = /listening on http:\/\/[^\s:]+:(\d+)/.exec(output)
      if (match?.[1] !== undefined) resolve(Number(match[1]))
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    exited.then(([code]) => reject(new Error(`${name} exited with ${code}:\n${output}`)))
  })
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}
