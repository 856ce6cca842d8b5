import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

let server: ServerProcess | undefined
afterEach(() => {
  server?.child.kill('SIGKILL')
  server = undefined
})

const publish = (body: unknown) =>
  fetch(`${server?.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('ssehub serve limits', () => {
  it('documents its limit flags in --help', async () => {
    const { stdout } = await runCli(['serve', '--help'])
    for (const flag of [
      '--max-event-topics',
      '--max-topic-length',
      '--max-event-bytes',
      '--max-batch-events',
      '--max-subscription-topics',
      '--publish-rate',
      '--publish-burst',
    ]) {
      expect(stdout).toContain(flag)
    }
  })

  it.each([
    [['--max-event-topics', '0'], /--max-event-topics must be an integer from 1 to/],
    [['--publish-rate', '1.5'], /--publish-rate must be an integer from 1 to/],
    [['--publish-burst', '5'], /--publish-burst needs --publish-rate/],
  ])('refuses %o with exit code 2', async (args, message) => {
    const result = await runCli(['serve', ...args])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it('applies the limits given to publishes and subscriptions', async () => {
    server = await spawnServer([
      '--no-clock',
      '--max-event-topics',
      '2',
      '--max-topic-length',
      '5',
      '--max-event-bytes',
      '50',
      '--max-batch-events',
      '2',
      '--max-subscription-topics',
      '1',
    ])
    const tooMany = await publish({ topic: ['a', 'b', 'c'] })
    expect([tooMany.status, await tooMany.text()]).toEqual([400, expect.stringMatching(/2 topics/)])
    expect((await publish({ topic: 'abcdef' })).status).toBe(400)
    expect((await publish({ topic: 'a', data: 'x'.repeat(60) })).status).toBe(413)
    expect((await publish([{ topic: 'a' }, { topic: 'a' }, { topic: 'a' }])).status).toBe(400)
    expect((await fetch(`${server.url}/events?topic=a&topic=b`)).status).toBe(400)
    expect((await publish({ topic: ['a', 'b'], data: 'ok' })).status).toBe(200)
  })

  it('limits each publisher to --publish-rate', async () => {
    server = await spawnServer(['--no-clock', '--publish-rate', '1', '--publish-burst', '2'])
    const statuses: number[] = []
    let retryAfter: string | null = null
    // At one event a second, a few quick publishes run past the burst however slow the machine.
    for (let i = 0; i < 10 && retryAfter === null; i++) {
      const response = await publish({ topic: 'a' })
      statuses.push(response.status)
      if (response.status === 429) retryAfter = response.headers.get('retry-after')
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200])
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/)
  })
})
