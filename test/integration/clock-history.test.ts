/**
 * The clock is ephemeral on every transport: with `--history-size 5` (or a 5-entry Redis
 * stream), a real event published before six clock ticks is still replayed after them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'
import { openRawStream, type RawStream } from '../helpers/sse-reader.js'

let server: ServerProcess | undefined
let redis: TestRedis | undefined
let dir: string
const streams: RawStream[] = []
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssehub-clock-'))
})
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  server?.child.kill('SIGKILL')
  await server?.exited
  server = undefined
})
afterAll(async () => {
  await redis?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function publish(data: string): Promise<string> {
  const response = await fetch(`${server?.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic: 'news', data }),
  })
  expect(response.status).toBe(200)
  return response.text()
}

async function expectReplayAfterClockTicks(args: string[]): Promise<void> {
  server = await spawnServer(['--clock', ...args])
  const first = await publish('first')
  await publish('second')
  const clock = await openRawStream(`${server.url}/events?topic=clock`)
  streams.push(clock)
  await clock.waitFor(/(data: Server time is [^\n]*\n\n[\s\S]*){6}/, 15_000)
  expect(clock.text()).not.toContain('id:')
  const replay = await openRawStream(`${server.url}/events?topic=news`, { 'Last-Event-ID': first })
  streams.push(replay)
  await replay.waitFor(/data: second\n\n/, 10_000)
  expect(replay.text()).not.toContain('ssehub-history-gap')
}

describe('the clock never enters the history', () => {
  it('in memory', () => expectReplayAfterClockTicks(['--history-size', '5']), 30_000)

  it(
    'in a history file (LMDB)',
    () =>
      expectReplayAfterClockTicks(['--history-size', '5', '--history-file', join(dir, 'h.mdb')]),
    30_000,
  )

  it(
    'with --workers (IPC)',
    () => expectReplayAfterClockTicks(['--history-size', '5', '--workers', '2']),
    30_000,
  )

  it('on Redis', async () => {
    redis = await startRedis()
    await expectReplayAfterClockTicks(['--redis', redis.url, '--redis-stream-max-len', '5'])
  }, 30_000)
})

describe('serve --demo --no-clock', () => {
  it('runs the demo topics without the clock', async () => {
    server = await spawnServer(['--demo', '--no-clock'])
    const clock = await openRawStream(`${server.url}/events?topic=clock`)
    streams.push(clock)
    const stocks = await openRawStream(`${server.url}/events?topic=stocks`)
    streams.push(stocks)
    // Ninety quotes (thirty ticks, 20 a second) take longer than one of the clock's seconds.
    await stocks.waitFor(/(?:event: stock\ndata: [^\n]*\n\n){90}/, 15_000)
    expect(clock.text()).not.toContain('data:')
    // Without the clock, GET /events names no topic of its own.
    expect((await fetch(`${server.url}/events`)).status).toBe(400)
  }, 30_000)
})
