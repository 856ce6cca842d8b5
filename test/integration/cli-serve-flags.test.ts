import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { mercurePublish, mintToken } from '../helpers/mercure.js'
import { type RawConnection, rawConnect, within } from '../helpers/raw-http.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

let processes: ServerProcess[] = []
const connections: RawConnection[] = []
afterEach(() => {
  for (const c of connections.splice(0)) c.socket.destroy()
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = await spawnServer(['--no-clock', ...args], env)
  processes.push(started)
  return started
}

/** Resolves once the server has written a line matching `pattern` to stderr. */
function logged(hub: ServerProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!pattern.test(hub.stderr())) return
      hub.child.stderr?.off('data', check)
      resolve()
    }
    hub.child.stderr?.on('data', check)
    check()
  })
}

async function connect(port: number) {
  const connection = await rawConnect(port)
  connections.push(connection)
  return connection
}

describe('ssehub serve: a PEM key as a flag value', () => {
  it('takes --jwt-key "$(cat pub.pem)" although the PEM begins with dashes', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
    expect(pem.startsWith('-----BEGIN PUBLIC KEY-----')).toBe(true)
    const hub = await serve(['--jwt-alg', 'RS256', '--jwt-key', pem])
    const token = await mintToken({ publish: ['*'] }, { key: privateKey, alg: 'RS256' })
    expect((await mercurePublish(hub.url, { topic: 't', data: 'x' }, { token })).status).toBe(200)
  })

  it('still reports a flag given no value', async () => {
    const result = await runCli(['serve', '--jwt-key', '--anonymous'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--jwt-key/)
  })
})

describe('ssehub serve: connection flags', () => {
  it('lists them in its help', async () => {
    const { stdout } = await runCli(['serve', '--help'])
    for (const flag of [
      '--max-connections',
      '--max-connections-per-ip',
      '--headers-timeout',
      '--body-timeout',
      '--keep-alive-timeout',
      'SSEHUB_MAX_CONNECTIONS',
    ]) {
      expect(stdout).toContain(flag)
    }
  })

  it.each([
    [['--max-connections', '-1'], /--max-connections must be an integer/],
    [['--max-connections-per-ip', 'many'], /--max-connections-per-ip must be an integer/],
    [['--body-timeout', '1.5'], /--body-timeout must be an integer/],
    [['--keep-alive-timeout', '0'], /--keep-alive-timeout must be an integer from 1/],
  ])('refuses %o with a message and exit code 2', async (args, message) => {
    const result = await runCli(['serve', '--port', '0', '--no-clock', ...args])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('takes SSEHUB_MAX_CONNECTIONS: past it a publish gets 429', async () => {
    const hub = await serve([], { SSEHUB_MAX_CONNECTIONS: '1' })
    const stream = await connect(hub.port)
    stream.send('GET /events?topic=t HTTP/1.1\r\nHost: x\r\n\r\n')
    await stream.waitFor(/^HTTP\/1\.1 200 /)
    const response = await fetch(`${hub.url}/publish`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(429)
    await within(logged(hub, /"msg":"connection limit reached/), 5000, 'the log line')
  })

  it('takes --body-timeout and --headers-timeout in seconds', async () => {
    const hub = await serve(['--body-timeout', '1', '--headers-timeout', '1'])
    const upload = await connect(hub.port)
    upload.send('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{')
    const silent = await connect(hub.port)
    await within(Promise.all([upload.closed, silent.closed]), 5000, 'both connections closed')
    expect(upload.received()).toMatch(/^HTTP\/1\.1 408 /)
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408 /)
  })
})
