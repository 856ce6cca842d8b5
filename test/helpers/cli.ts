/**
 * Runs the built `ssehub` command to completion, for CLI tests.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { CLI_PATH } from './server.js'

/** How a run ended and what it printed. */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `ssehub …args` with `env` added to this process's environment. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => {
    stdout += c
  })
  child.stderr.on('data', (c) => {
    stderr += c
  })
  const [code] = await once(child, 'close')
  return { code: code as number | null, stdout, stderr }
}
