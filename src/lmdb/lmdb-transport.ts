/**
 * ssehub/lmdb: the hub's history in a file (LMDB), so that it survives a crash or a restart.
 *
 * One process, one file. A publish is acknowledged once the events are in the file (on the
 * disk, by default): publishes made while one group is being written wait, and go in the next
 * group as one transaction, so a busy hub pays one commit for many events (group commit). Events
 * reach the tail listener only once acknowledged, in order; replay reads the file. On opening,
 * the file's events are kept and numbering goes on after them, so ids from before a restart
 * still resume.
 *
 * @example
 * ```ts
 * import { createHub, createHubApp } from 'ssehub'
 * import { createLmdbTransport } from 'ssehub/lmdb'
 * const transport = await createLmdbTransport({ path: '/var/lib/ssehub/history.mdb' })
 * const app = createHubApp({ hub: createHub({ transport }) })
 * ```
 */
import { randomUUID } from 'node:crypto'
import { type Database, open, type RootDatabase } from 'lmdb'
import { SseError } from '../errors.js'
import { createEventIdGenerator } from '../hub/event-id.js'
import { buildHubEvent, type StoredEvent, storedEventOf } from '../hub/hub-event.js'
import { historyStatsOf, type Transport, type TransportRead } from '../hub/transport.js'
import type { HubEvent, PublishedEvent, PublishInput } from '../hub/types.js'
import { silentLogger } from '../logger.js'
import { assertLmdbFile } from './file-check.js'
import { type LmdbTransportOptions, resolveLmdbTransportOptions } from './options.js'
import {
  decodeRecord,
  encodeRecord,
  indexKey,
  RECORD_FORMAT,
  recordHeader,
  storedBytes,
  uuidV7Time,
} from './records.js'

export * from './options.js'

/** The LMDB transport: a {@link Transport} that can say when its file is closed. */
export interface LmdbTransport extends Transport {
  /** Resolves once `close()` has closed the file (never rejects). */
  readonly closed: Promise<void>
}

/** Most events waiting for the next group commit; beyond it a publish is refused (a 503). */
const MAX_WAITING_EVENTS = 100_000
/** Longest time between two passes of the age bound while nothing is published. */
const MAX_EXPIRY_PERIOD_MS = 60_000

/** Publishes waiting for the group commit that will store them. */
interface Waiting {
  readonly stored: StoredEvent[]
  readonly resolve: (events: HubEvent[]) => void
  readonly reject: (error: unknown) => void
}

/** What the file holds besides events (the `meta` database). */
const META = { format: 'format', owner: 'owner', totals: 'totals' } as const

/** Another process opened the file after this one, and now writes it. */
class OwnerChangedError extends Error {}

/**
 * Opens (or creates) the history file and creates the transport; give it to
 * `createHub({ transport })`. Retention (count, bytes, age) is applied at once, so that a file
 * written with larger bounds is trimmed to these.
 *
 * Faults: a write that fails rejects its publishes with `ERR_SSE_TRANSPORT_UNAVAILABLE` (none of
 * them acknowledged or delivered) and the next publish tries again. If another process opens the
 * same file, it takes the file over: this one's publishes are refused from then on.
 *
 * @throws {TypeError} for a bad option, naming it.
 * @throws {SseError} (as a rejection) `ERR_SSE_TRANSPORT_UNAVAILABLE` when the file cannot be
 *   opened, or was not written by ssehub.
 */
export async function createLmdbTransport(options: LmdbTransportOptions): Promise<LmdbTransport> {
  const resolved = resolveLmdbTransportOptions(options)
  const logger = options.logger ?? silentLogger
  const now = options.now ?? Date.now
  const { path, historySize, historyBytes, historyAgeMs } = resolved

  let env: RootDatabase
  let events: Database<Buffer, number>
  let ids: Database<number, string | Buffer>
  let meta: Database<unknown, string>
  try {
    assertLmdbFile(path)
    // 'disk': LMDB syncs inside each commit, so the commit's promise means on disk; its default,
    // the sync overlapping the next commit, buys nothing here (one group is written at a time)
    // and costs more per commit. 'process': no sync at all, the commit is in the OS's cache.
    const sync =
      resolved.durability === 'disk' ? { overlappingSync: false } : { noSync: true as const }
    env = open({ path, noSubdir: true, maxDbs: 3, ...sync })
    events = env.openDB<Buffer, number>('events', { encoding: 'binary' })
    ids = env.openDB<number, string | Buffer>('ids', {})
    meta = env.openDB<unknown, string>('meta', {})
  } catch (error) {
    throw unavailable(`cannot open the history file ${path}`, error)
  }

  /** Removes the oldest events until every bound holds; returns the new totals. */
  const evict = (count: number, bytes: number, timeMs: number): [number, number] => {
    const expired = historyAgeMs === null ? Number.NEGATIVE_INFINITY : timeMs - historyAgeMs
    const doomed: Array<{ seq: number; key: string | Buffer | undefined }> = []
    for (const { key: seq, value } of events.getRange({})) {
      const over = count > historySize || (bytes > historyBytes && count > 1)
      if (!over && historyAgeMs === null) break
      const header = readableHeader(value)
      // A record that cannot be read cannot be replayed either: it goes first.
      if (header !== undefined && !over && header.timeMs >= expired) break
      const key = header === undefined ? undefined : indexKey(header.id)
      doomed.push({ seq, key })
      count--
      bytes -= storedBytes(value, key ?? '')
    }
    // Removed after the walk: a cursor over entries being removed would skip some.
    for (const { seq, key } of doomed) {
      events.removeSync(seq)
      // A publisher may reuse an id: the index then points at a newer event, which stays.
      if (key !== undefined && ids.get(key) === seq) ids.removeSync(key)
    }
    return [count, bytes]
  }

  const totals = (): [number, number] => {
    const value = meta.get(META.totals)
    return Array.isArray(value) ? [Number(value[0]), Number(value[1])] : [0, 0]
  }

  const owner = randomUUID()
  let nextSeq: number
  try {
    nextSeq = await env.childTransaction(() => {
      const format = meta.get(META.format)
      if (format !== undefined && format !== RECORD_FORMAT) {
        throw new Error(`it holds events in format ${String(format)}, not ${RECORD_FORMAT}`)
      }
      meta.putSync(META.format, RECORD_FORMAT)
      meta.putSync(META.owner, owner)
      meta.putSync(META.totals, evict(...totals(), now()))
      const [last] = events.getKeys({ reverse: true, limit: 1 })
      return (last ?? 0) + 1
    })
  } catch (error) {
    await env.close().catch(() => {})
    throw unavailable(`cannot use the history file ${path}`, error)
  }

  const generateId = options.generateId ?? idsAfter(newestId())
  let listener: (event: HubEvent) => void = () => {}
  // Events up to this seq are acknowledged and delivered: reads stop there, so a replay never
  // holds an event that a power loss could still take back.
  let lastDelivered = nextSeq - 1
  let waiting: Waiting[] = []
  let waitingEvents = 0
  let writing: Promise<void> | undefined
  let expiryDue = false
  let closed = false
  let ownerLost = false

  function newestId(): string | undefined {
    const [record] = events.getRange({ reverse: true, limit: 1 }).map(({ value }) => value)
    return record === undefined ? undefined : recordHeader(record).id
  }

  /** Writes every waiting publish (and the age bound) in one transaction; one at a time. */
  const writeGroup = (): void => {
    let group: Waiting[] | undefined
    let written: HubEvent[][] = []
    const take = () => {
      const taken = waiting
      waiting = []
      waitingEvents = 0
      return taken
    }
    writing = env
      .childTransaction(() => {
        // Taken when the transaction starts, not when it was asked for: publishes made meanwhile
        // join this commit.
        group = take()
        expiryDue = false
        if (meta.get(META.owner) !== owner) throw new OwnerChangedError()
        const timeMs = now()
        let [count, bytes] = totals()
        let seq = nextSeq
        written = group.map(({ stored }) =>
          stored.map((event) => {
            const record = encodeRecord(event, timeMs)
            const key = indexKey(event.id)
            events.putSync(seq, record)
            ids.putSync(key, seq)
            count++
            bytes += storedBytes(record, key)
            return buildHubEvent(event, seq++)
          }),
        )
        meta.putSync(META.totals, evict(count, bytes, timeMs))
        return seq
      })
      .then((after) => {
        nextSeq = after
        lastDelivered = after - 1
        for (const batch of written) for (const event of batch) listener(event)
        for (const [index, waiter] of (group ?? []).entries()) {
          waiter.resolve(written[index] as HubEvent[])
        }
      })
      .catch((error: unknown) => {
        const failure = writeFailure(error)
        // Failed before the transaction began: those waiting fail too, rather than loop.
        for (const waiter of group ?? take()) waiter.reject(failure)
      })
      .finally(() => {
        writing = undefined
        if (!closed && (waiting.length > 0 || expiryDue)) writeGroup()
      })
  }

  const writeFailure = (error: unknown): SseError => {
    if (error instanceof OwnerChangedError) {
      if (!ownerLost) {
        ownerLost = true
        logger.error('another process opened the history file; this one no longer writes it', {
          path,
        })
      }
      return unavailable(`another process now writes the history file ${path}`, error)
    }
    logger.error('could not write the history file', { path, error: String(error) })
    return unavailable(
      'the history file could not be written: the event was not acknowledged; publish it again',
      error,
    )
  }

  const expiryTimer =
    historyAgeMs === null
      ? undefined
      : setInterval(
          () => {
            expiryDue = true
            if (writing === undefined) writeGroup()
          },
          Math.min(Math.max(Math.ceil(historyAgeMs / 2), 1000), MAX_EXPIRY_PERIOD_MS),
        )
  expiryTimer?.unref()

  /** Kept events with seq in [from, to], oldest first, leaving out those past the age bound. */
  const readRange = (from: number, to: number): HubEvent[] => {
    const expired = historyAgeMs === null ? Number.NEGATIVE_INFINITY : now() - historyAgeMs
    const read: HubEvent[] = []
    for (const { key: seq, value } of events.getRange({ start: from, end: to + 1 })) {
      try {
        const { timeMs, ...event } = decodeRecord(value)
        if (timeMs >= expired) read.push(buildHubEvent(event, seq))
      } catch (error) {
        logger.error('skipped an event the history file holds but ssehub cannot read', {
          path,
          seq,
          error: String(error),
        })
      }
    }
    return read
  }

  /** The seq of the kept event `lastEventId`, if it is kept. */
  const seqOf = (lastEventId: string): number | undefined => {
    const seq = ids.get(indexKey(lastEventId))
    const record = seq === undefined ? undefined : events.get(seq)
    if (seq === undefined || record === undefined) return undefined
    const { id, timeMs } = recordHeader(record)
    const expired = historyAgeMs !== null && timeMs < now() - historyAgeMs
    return id === lastEventId && !expired ? seq : undefined
  }

  let closeFile: () => void = () => {}
  const closedPromise = new Promise<void>((resolve) => {
    closeFile = () => {
      void (writing ?? Promise.resolve())
        .then(() => env.close())
        .catch((error: unknown) => {
          logger.error('could not close the history file', { path, error: String(error) })
        })
        .then(resolve)
    }
  })

  return {
    async publish(inputs: readonly PublishInput[]): Promise<PublishedEvent[]> {
      if (closed) throw unavailable('the history file is closed', undefined)
      if (inputs.length === 0) return []
      if (waitingEvents + inputs.length > MAX_WAITING_EVENTS) {
        throw unavailable(
          'the history file is behind: too many publishes wait to be written',
          undefined,
        )
      }
      // Every event is encoded before any is queued: a bad one publishes none.
      const stored = inputs.map((input) => {
        const event = storedEventOf(input, input.id ?? generateId())
        buildHubEvent(event, 0)
        return event
      })
      const written = new Promise<HubEvent[]>((resolve, reject) => {
        waiting.push({ stored, resolve, reject })
      })
      waitingEvents += stored.length
      if (writing === undefined) writeGroup()
      return (await written).map((event) => ({ id: event.id }))
    },

    async readAfter(lastEventId): Promise<TransportRead> {
      if (closed) throw unavailable('the history file is closed', undefined)
      const end = lastDelivered
      let seq: number | undefined
      let read: HubEvent[]
      try {
        seq = seqOf(lastEventId)
        read = seq === undefined ? readRange(0, end) : readRange(seq + 1, end)
      } catch (error) {
        throw unavailable('the history file cannot be read now', error)
      }
      // An id found past `end` is being written: the events before it are not replayed, and
      // arrive live, where they are skipped as before the id asked for.
      const covered = Math.max(end, seq ?? 0)
      return { found: seq !== undefined, events: read, covers: (event) => event.seq <= covered }
    },

    tail(next) {
      listener = next
    },

    historyStats: () => historyStatsOf(closed ? [] : readRange(0, lastDelivered)),

    // Another process took the file over: publishes fail until this one is restarted.
    reachable: () => !closed && !ownerLost,

    closed: closedPromise,

    close() {
      if (closed) return
      closed = true
      if (expiryTimer !== undefined) clearInterval(expiryTimer)
      const failure = unavailable('the history file is closed', undefined)
      for (const waiter of waiting) waiter.reject(failure)
      waiting = []
      closeFile()
    },
  }
}

function readableHeader(record: Uint8Array): ReturnType<typeof recordHeader> | undefined {
  try {
    return recordHeader(record)
  } catch {
    return undefined
  }
}

/**
 * The hub's ids (UUIDv7), never at or below the time of `newest`: after a restart on a clock
 * that went back, new ids still sort after the file's.
 */
function idsAfter(newest: string | undefined) {
  const floor = newest === undefined ? undefined : uuidV7Time(newest)
  if (floor === undefined) return createEventIdGenerator()
  return createEventIdGenerator(() => Math.max(Date.now(), floor + 1))
}

function unavailable(message: string, cause: unknown): SseError {
  const detail = cause instanceof Error && cause.message !== '' ? ` (${cause.message})` : ''
  return new SseError('ERR_SSE_TRANSPORT_UNAVAILABLE', `${message}${detail}`, { cause })
}
