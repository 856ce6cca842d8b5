import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { mercurePublish, mercureUrl, mintToken, SECRET } from '../helpers/mercure.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'
import { openRawStream } from '../helpers/sse-reader.js'

let processes: ServerProcess[] = []
afterEach(() => {
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = await spawnServer(['--no-clock', ...args], env)
  processes.push(started)
  return started
}

describe('ssehub serve: Mercure flags', () => {
  it('lists the Mercure flags in its help', async () => {
    const { stdout } = await runCli(['serve', '--help'])
    for (const flag of [
      '--jwt-key',
      '--publisher-jwt-key',
      '--subscriber-jwt-key',
      '--jwt-alg',
      '--anonymous',
      '--subscriptions',
      '--discovery-url',
      '--max-selectors',
      '--max-claim-selectors',
      '--max-template-length',
      '--max-template-expressions',
    ]) {
      expect(stdout).toContain(flag)
    }
  })

  it.each([
    [
      ['--jwt-key', 'not-a-pem', '--jwt-alg', 'RS256'],
      {},
      /publisher JWT key: a RS256 JWT key must be a PEM public key/,
    ],
    [['--jwt-key', 'x', '--jwt-alg', 'none'], {}, /JWT algorithm must be one of HS256/],
    [['--jwt-key', ''], {}, /--jwt-key must not be empty/],
    [[], { SSEHUB_ANONYMOUS: 'maybe' }, /SSEHUB_ANONYMOUS must be 1 or 0/],
    [['--cookie-name', 'bad name'], {}, /cookie name/],
    [['--max-selectors', '0'], {}, /--max-selectors must be an integer from 1 to 1000000/],
    [['--max-template-expressions', 'x'], {}, /--max-template-expressions must be an integer/],
  ])('refuses %o %o with a message and exit code 2', async (args, env, message) => {
    const result = await runCli(['serve', '--port', '0', '--no-clock', ...args], env)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('takes the key from SSEHUB_JWT_KEY: publishes with a token, refuses anonymous subscribers', async () => {
    const hub = await serve([], { SSEHUB_JWT_KEY: SECRET })
    const token = await mintToken({ publish: ['*'] })
    expect((await mercurePublish(hub.url, { topic: 't' }, { token })).status).toBe(200)
    expect((await fetch(mercureUrl(hub.url, ['t']))).status).toBe(401)
  })

  it('lets anonymous subscribers in with SSEHUB_ANONYMOUS=1 despite a key', async () => {
    const hub = await serve([], { SSEHUB_JWT_KEY: SECRET, SSEHUB_ANONYMOUS: '1' })
    const stream = await openRawStream(mercureUrl(hub.url, ['t']))
    expect(stream.response.status).toBe(200)
    stream.close()
  })

  it('says Mercure publishing is off without a publisher key', async () => {
    const hub = await serve([])
    expect(hub.stderr()).toMatch(/Mercure publishing is off/)
  })

  it('limits selectors as --max-selectors and --max-template-expressions say', async () => {
    const hub = await serve(['--max-selectors', '2', '--max-template-expressions', '1'])
    expect((await fetch(mercureUrl(hub.url, ['a', 'b', 'c']))).status).toBe(400)
    expect((await fetch(mercureUrl(hub.url, ['/{a}{b}']))).status).toBe(400)
    const stream = await openRawStream(mercureUrl(hub.url, ['a', '/{a}']))
    expect(stream.response.status).toBe(200)
    stream.close()
  })

  it('turns the endpoint off with --no-mercure', async () => {
    const hub = await serve(['--no-mercure'])
    expect((await fetch(mercureUrl(hub.url, ['t']))).status).toBe(404)
  })
})
