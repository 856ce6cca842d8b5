#!/usr/bin/env node
import cluster from 'node:cluster'
/**
 * The `ssehub` command: `serve`, `publish`, `subscribe`.
 */
import { reportStartFailure } from '../cluster/supervisor.js'
import { SseError } from '../errors.js'
import { PUBLISH_HELP, publish } from './publish.js'
import { SERVE_HELP, serve } from './serve.js'
import { SUBSCRIBE_HELP, subscribe } from './subscribe.js'
import { UsageError } from './usage-error.js'
import { packageVersion } from './version.js'

const HELP = `Usage: ssehub <command> [options]

Commands:
  serve                      run the hub server
  publish <topic> <data>     publish one event to a running hub
  subscribe <topic...>       print a hub's events as they arrive

Options:
  -h, --help                 this help
  -v, --version              print the version

Run 'ssehub <command> --help' for a command's options.
`

const HELPS: Record<string, string> = {
  serve: SERVE_HELP,
  publish: PUBLISH_HELP,
  subscribe: SUBSCRIBE_HELP,
}

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...args] = argv
  switch (command) {
    case 'serve':
      await serve(args, process.env)
      return undefined
    case 'publish':
      return publish(args, process.env)
    case 'subscribe':
      return subscribe(args, process.env)
    case '-v':
    case '--version':
    case 'version':
      process.stdout.write(`${packageVersion()}\n`)
      return 0
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP)
      return command === undefined ? 2 : 0
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code
  },
  async (error: unknown) => {
    const { text, exitCode } = report(error)
    process.exitCode = exitCode
    if (!cluster.isWorker) return void process.stderr.write(text)
    // A worker of `serve --workers` hands its report to the primary, which prints one for all.
    if (!(await reportStartFailure(text))) process.stderr.write(text)
    // A worker is held open by its IPC channel, and Node's cluster code exits 0 when that
    // channel closes: exit here, with the code.
    process.exit(exitCode)
  },
)

/** A failed command's error as a person can act on it, and the exit code. */
function report(error: unknown): { text: string; exitCode: number } {
  const command = process.argv[2] ?? ''
  if (error instanceof UsageError) {
    const hint = command in HELPS ? `ssehub ${command} --help` : 'ssehub --help'
    return { text: `ssehub: ${error.message}\nRun '${hint}' for usage.\n`, exitCode: 2 }
  }
  if (error instanceof TypeError && command === 'serve') {
    return { text: `ssehub: ${error.message}\n`, exitCode: 2 }
  }
  if (error instanceof SseError && command === 'serve') {
    // Redis unreachable at start, say.
    return { text: `ssehub: ${error.message}\n`, exitCode: 1 }
  }
  const listen = listenFailure(error)
  if (listen !== undefined) return { text: `ssehub: cannot listen: ${listen}\n`, exitCode: 1 }
  return { text: `ssehub: ${(error as Error).stack ?? String(error)}\n`, exitCode: 1 }
}

/** Why the server cannot listen, and what to do, for the errors `listen` fails with. */
function listenFailure(error: unknown): string | undefined {
  const { code, port, address, hostname } = error as {
    code?: unknown
    port?: unknown
    address?: unknown
    hostname?: unknown
  }
  const where = typeof port === 'number' ? `port ${port}` : 'the port'
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (another ssehub?); stop it, or choose another port with --port or PORT`
    case 'EACCES':
      return `no permission to listen on ${where}; ports below 1024 need privileges: choose --port 3000, say, behind a proxy`
    case 'EADDRNOTAVAIL':
      return `${typeof address === 'string' ? address : 'the --host given'} is not an address of this machine; choose another with --host or HOST`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${typeof hostname === 'string' ? JSON.stringify(hostname) : 'given'} cannot be resolved; check --host or HOST`
    default:
      return undefined
  }
}
