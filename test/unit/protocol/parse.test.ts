import { describe, expect, it } from 'vitest'
import { createParser } from '../../../src/protocol/parse.js'
import type { ParsedEvent } from '../../../src/protocol/types.js'
import { PARSER_CASES } from '../../fixtures/parser/cases.js'

interface Result {
  events: Array<Omit<ParsedEvent, 'hasId'>>
  retries: number[]
  comments: string[]
  errors: string[]
}

function parseChunks(chunks: Array<string | Uint8Array>): Result {
  const result: Result = { events: [], retries: [], comments: [], errors: [] }
  const parser = createParser({
    onEvent: ({ event, data, lastEventId }) => result.events.push({ event, data, lastEventId }),
    onRetry: (ms) => result.retries.push(ms),
    onComment: (text) => result.comments.push(text),
    onError: (error) => result.errors.push(error.code),
  })
  for (const chunk of chunks) parser.feed(chunk)
  return result
}

/** A small seeded PRNG (mulberry32), so random splits are the same on every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function splitAt<T extends string | Uint8Array>(whole: T, cuts: number[]): T[] {
  const points = [0, ...cuts.sort((a, b) => a - b), whole.length]
  return points.slice(1).map((end, i) => whole.slice(points[i], end) as T)
}

const utf8 = (text: string) => new TextEncoder().encode(text)

const CHUNKINGS: Array<[string, (input: string) => Array<string | Uint8Array>]> = [
  ['whole', (input) => [input]],
  ['one character at a time', (input) => [...input]],
  [
    'one UTF-16 code unit at a time',
    (input) => Array.from({ length: input.length }, (_, i) => input[i] as string),
  ],
  ['one byte at a time', (input) => Array.from(utf8(input), (byte) => Uint8Array.of(byte))],
  ...Array.from({ length: 20 }, (_, seed): [string, (input: string) => Uint8Array[]] => [
    `random byte split, seed ${seed}`,
    (input) => {
      const bytes = utf8(input)
      const next = random(seed)
      const cuts = Array.from({ length: Math.floor(next() * 8) }, () =>
        Math.floor(next() * bytes.length),
      )
      return splitAt(bytes, cuts)
    },
  ]),
]

describe('parser fixtures under every chunking', () => {
  for (const fixture of PARSER_CASES) {
    describe(fixture.name, () => {
      it.each(CHUNKINGS)('%s', (_name, chunk) => {
        const result = parseChunks(chunk(fixture.input))
        expect(result.events).toEqual(fixture.events)
        if (fixture.retries) expect(result.retries).toEqual(fixture.retries)
        if (fixture.comments) expect(result.comments).toEqual(fixture.comments)
      })
    })
  }
})

describe('parser', () => {
  it('takes a CRLF split between two chunks as one line end', () => {
    expect(parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n']).events).toEqual([
      { event: 'message', data: 'a\nb', lastEventId: '' },
    ])
  })

  it('takes a CR at the end of a chunk followed by other text as a line end', () => {
    expect(parseChunks(['data: a\r', 'data: b\r', '\r']).events.map((e) => e.data)).toEqual([
      'a\nb',
    ])
  })

  it('strips a byte order mark split across byte chunks', () => {
    const bytes = utf8('\uFEFFdata: x\n\n')
    expect(parseChunks([bytes.slice(0, 1), bytes.slice(1, 2), bytes.slice(2)]).events).toHaveLength(
      1,
    )
  })

  it('decodes a multi-byte character split across byte chunks', () => {
    const bytes = utf8('data: 😀\n\n')
    expect(parseChunks([bytes.slice(0, 8), bytes.slice(8)]).events[0]?.data).toBe('😀')
  })

  it('reports a retry that is not all digits, and ignores it', () => {
    const result = parseChunks(['retry: soon\ndata: x\n\n'])
    expect(result.retries).toEqual([])
    expect(result.errors).toEqual(['ERR_SSE_PARSE_INVALID_RETRY'])
    expect(result.events).toHaveLength(1)
  })

  it('reports an unknown field, and goes on', () => {
    const result = parseChunks(['colour: red\ndata: x\n\n'])
    expect(result.errors).toEqual(['ERR_SSE_PARSE_UNKNOWN_FIELD'])
    expect(result.events).toHaveLength(1)
  })

  it('says whether an event carried its own id', () => {
    const events: ParsedEvent[] = []
    const parser = createParser({ onEvent: (e) => events.push(e) })
    parser.feed('id: 1\ndata: a\n\ndata: b\n\n')
    expect(events.map((e) => e.hasId)).toEqual([true, false])
  })

  it('discards the partial event on reset and keeps the last event id', () => {
    const events: ParsedEvent[] = []
    const parser = createParser({ onEvent: (e) => events.push(e) })
    parser.feed('id: 7\ndata: a\n\ndata: half')
    parser.reset()
    parser.feed('data: b\n\n')
    expect(events.map((e) => [e.data, e.lastEventId])).toEqual([
      ['a', '7'],
      ['b', '7'],
    ])
    expect(parser.lastEventId).toBe('7')
    parser.reset({ lastEventId: '' })
    expect(parser.lastEventId).toBe('')
  })

  it('forgets on reset an id of an event never dispatched, and keeps one of an event without data', () => {
    const parser = createParser({ onEvent: () => {} })
    parser.feed('id: 1\n\nid: 2\ndata: cut')
    expect(parser.lastEventId).toBe('2')
    parser.reset()
    expect(parser.lastEventId).toBe('1')
  })

  it('strips a byte order mark again after reset, as on a new connection', () => {
    const events: ParsedEvent[] = []
    const parser = createParser({ onEvent: (e) => events.push(e) })
    parser.feed('data: a\n\n')
    parser.reset()
    parser.feed('\uFEFFdata: b\n\n')
    expect(events.map((e) => e.data)).toEqual(['a', 'b'])
  })

  it('parses a long line fed in many small chunks', () => {
    const long = 'x'.repeat(200_000)
    const chunks = long.match(/.{1,7}/g) ?? []
    const result = parseChunks(['data: ', ...chunks, '\n\n'])
    expect(result.events[0]?.data).toBe(long)
  })
})
