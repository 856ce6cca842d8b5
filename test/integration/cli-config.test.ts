import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const dir = mkdtempSync(join(tmpdir(), 'ssehub-cli-config-'))
const processes: ServerProcess[] = []
afterEach(() => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function configFile(settings: unknown): string {
  const path = join(dir, 'ssehub.json')
  writeFileSync(path, JSON.stringify(settings))
  return path
}

describe('ssehub serve --config', () => {
  it('serves with the settings of the file', async () => {
    const config = configFile({ publishKey: 'from-file', subscriptions: true, maxBatchEvents: 2 })
    const node = await spawnServer(['--config', config])
    processes.push(node)
    const publish = (key: string) =>
      fetch(`${node.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify([1, 2, 3].map((n) => ({ topic: 't', data: String(n) }))),
      })
    expect((await publish('wrong')).status).toBe(401)
    const tooMany = await publish('from-file')
    expect(tooMany.status).toBe(400)
    expect(await tooMany.json()).toMatchObject({ code: 'ERR_SSE_BAD_REQUEST' })
  })

  it('refuses a bad value with the key path, and exits 2 before listening', async () => {
    const result = await runCli(['serve', '--config', configFile({ historySize: -1 })])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^ssehub: ssehub\.json: "historySize" must be an integer from 0/)
  })

  it('prints the settings in effect, flag over variable over file, secrets redacted', async () => {
    const config = configFile({ port: 1111, heartbeat: 5, redis: 'redis://:pw@127.0.0.1:6379' })
    const result = await runCli(
      ['serve', '--config', config, '--print-config', '--publish-key', 's3cret', '--port', '2222'],
      { PORT: '3333', SSEHUB_JWT_KEY: 'jwt-secret-of-at-least-32-bytes!!' },
    )
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      port: 2222,
      heartbeat: 5,
      publishKey: '[redacted]',
      redis: 'redis://:***@127.0.0.1:6379',
      jwtKey: '[redacted]',
    })
    expect(result.stdout).not.toMatch(/s3cret|jwt-secret|:pw@/)
  })
})

describe('ssehub serve messages', () => {
  it.each([
    [['--port', '-1'], {}, /^ssehub: --port must be an integer from 0 to 65535, got "-1"/],
    [[], { PORT: 'abc' }, /^ssehub: PORT must be an integer from 0 to 65535, got "abc"/],
    [
      ['--cors-origins', 'https://app.example/'],
      {},
      /^ssehub: --cors-origins: "https:\/\/app\.example\/" is not an origin: write "https:\/\/app\.example"/,
    ],
    [
      ['--cors-origins', 'https://a.example,app.example'],
      {},
      /^ssehub: --cors-origins: "app\.example" is not an origin .*e\.g\. "https:\/\/app\.example"/,
    ],
    [['--cors-origins', 'https://a.example,*'], {}, /must be \* alone/],
  ])('refuses %j %j naming the flag or variable given', async (args, env, message) => {
    const result = await runCli(['serve', '--workers', '1', ...args], env)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('prints its version with --version, as the command does', async () => {
    const [command, serve] = await Promise.all([
      runCli(['--version']),
      runCli(['serve', '--version']),
    ])
    expect(command.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/)
    expect(serve.stdout).toBe(command.stdout)
  })
})
