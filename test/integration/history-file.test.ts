import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { publishTo } from '../helpers/cluster.js'
import { type RecordingEventSource, recordEventSource } from '../helpers/event-source.js'
import { type ServerProcess, spawnServer } from '../helpers/server.js'

const dir = mkdtempSync(join(tmpdir(), 'ssehub-history-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let processes: ServerProcess[] = []
const sources: RecordingEventSource[] = []
afterEach(() => {
  for (const source of sources.splice(0)) source.close()
  for (const p of processes) p.child.kill('SIGKILL')
  processes = []
})

async function serve(args: string[]) {
  const started = await spawnServer(['--no-clock', ...args])
  processes.push(started)
  return started
}

function subscribe(url: string, lastEventId?: string) {
  const headers: Record<string, string> =
    lastEventId === undefined ? {} : { 'last-event-id': lastEventId }
  const source = recordEventSource(`${url}/events?topic=t`, { headers })
  sources.push(source)
  return source
}

/**
 * Publishes from `concurrency` loops until `count` publishes are acknowledged, then kills the
 * server (SIGKILL) while the loops' last publishes are still in flight. Resolves with the
 * acknowledged events, by id.
 */
async function publishThenKill(server: ServerProcess, count: number, concurrency: number) {
  const acknowledged = new Map<string, string>()
  let killed = false
  const loop = async (loopIndex: number) => {
    for (let i = 0; !killed; i++) {
      const data = `${loopIndex}-${i}`
      const reply = await publishTo(server.url, 't', data).catch(() => undefined)
      if (reply?.status !== 200) continue
      acknowledged.set(reply.body, data)
      if (acknowledged.size >= count && !killed) {
        killed = true
        server.child.kill('SIGKILL')
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)))
  await server.exited
  return acknowledged
}

describe('ssehub serve --history-file', () => {
  for (const workers of ['1', '2']) {
    it(`replays every acknowledged event once, in order, after kill -9 and a restart (--workers ${workers})`, async () => {
      const path = join(dir, `history-${workers}.mdb`)
      const args = ['--history-file', path, '--workers', workers]
      const first = await serve(args)
      const live = subscribe(first.url)
      await live.waitForOpen()
      const acknowledged = await publishThenKill(first, 150, 8)
      live.close()

      // Delivered live only once stored, so the 10th event seen live is in the file.
      const seen = live.events.map((e) => e.lastEventId)
      const early = seen[9] as string
      const second = await serve(args)
      const replay = subscribe(second.url, early)
      await replay.waitForOpen()
      const marker = await publishTo(second.url, 't', 'after the restart')
      expect(marker.status).toBe(200)
      // The new event is live, so it comes after the whole replay.
      const afterEarly = [...acknowledged.keys()].filter((id) => !seen.slice(0, 10).includes(id))
      for (
        let n = afterEarly.length + 1;
        !replay.events.some((e) => e.lastEventId === marker.body);
        n++
      ) {
        await replay.waitForEvents(n)
      }
      const ids = replay.events.map((e) => e.lastEventId)

      // Once each, and ids increase in the hub's order, the new event's last.
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids).toEqual([...ids].sort())
      expect(ids.at(-1)).toBe(marker.body)
      // What was seen live after `early` comes back first, in the same order.
      expect(ids.slice(0, seen.length - 10)).toEqual(seen.slice(10))
      // Every acknowledged event after `early` is there, with its data.
      const before = new Set(seen.slice(0, 10))
      const data = new Map(replay.events.map((e) => [e.lastEventId, e.data]))
      for (const [id, sent] of acknowledged) {
        if (!before.has(id)) expect(data.get(id)).toBe(sent)
      }
      expect(acknowledged.size).toBeGreaterThanOrEqual(150)
    })
  }

  it('refuses --history-file beside --redis, and --history-age without a file', async () => {
    const withRedis = await runCli([
      'serve',
      '--history-file',
      join(dir, 'unused.mdb'),
      '--redis',
      'redis://127.0.0.1:1',
    ])
    expect(withRedis.code).toBe(2)
    expect(withRedis.stderr).toContain('--history-file cannot be used with --redis')
    const ageAlone = await runCli(['serve', '--history-age', '60'])
    expect(ageAlone.code).toBe(2)
    expect(ageAlone.stderr).toContain('--history-age needs --history-file')
  })

  it('says why it cannot start on a file that is not a history', async () => {
    const notLmdb = join(dir, 'not-lmdb.mdb')
    writeFileSync(notLmdb, 'hello')
    const run = await runCli(['serve', '--port', '0', '--workers', '1', '--history-file', notLmdb])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`cannot open the history file ${notLmdb}`)
  })
})
