#!/usr/bin/env node
import cluster from 'node:cluster'
/**
 * The `ssehub` command: `serve`, `publish`, `subscribe`.
 */
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
  (error: unknown) => {
    process.exitCode = report(error)
    // A worker of `serve --workers` is held open by its IPC channel, and Node's cluster code
    // exits 0 when that channel closes: exit here, with the code.
    if (cluster.isWorker) process.exit(process.exitCode)
  },
)

/** Prints a failed command's error as a person can act on it; returns the exit code. */
function report(error: unknown): number {
  const command = process.argv[2] ?? ''
  if (error instanceof UsageError) {
    const hint = command in HELPS ? `ssehub ${command} --help` : 'ssehub --help'
    process.stderr.write(`ssehub: ${error.message}\nRun '${hint}' for usage.\n`)
    return 2
  }
  if (error instanceof TypeError && command === 'serve') {
    process.stderr.write(`ssehub: ${error.message}\n`)
    return 2
  }
  if (error instanceof SseError && command === 'serve') {
    // Redis unreachable at start, say.
    process.stderr.write(`ssehub: ${error.message}\n`)
    return 1
  }
  const code = (error as { code?: string }).code
  if (
    code !== undefined &&
    ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)
  ) {
    process.stderr.write(`ssehub: cannot listen: ${(error as Error).message}\n`)
    return 1
  }
  process.stderr.write(`ssehub: ${(error as Error).stack ?? String(error)}\n`)
  return 1
}
