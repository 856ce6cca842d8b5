import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createParser } from '../../../src/protocol/parse.js'

interface Result {
  events: Array<{ event: string; data: string; lastEventId: string }>
  errors: string[]
}

function parse(chunks: Array<string | Uint8Array>, maxEventLength: number | null): Result {
  const result: Result = { events: [], errors: [] }
  const parser = createParser(
    {
      onEvent: ({ event, data, lastEventId }) => result.events.push({ event, data, lastEventId }),
      onError: (error) => result.errors.push(error.code),
    },
    { maxEventLength },
  )
  for (const chunk of chunks) parser.feed(chunk)
  return result
}

function splitAt(whole: string, cuts: number[]): string[] {
  const points = [0, ...[...cuts].sort((a, b) => a - b), whole.length]
  return points.slice(1).map((end, i) => whole.slice(points[i], end))
}

const TOO_LARGE = 'ERR_SSE_PARSE_EVENT_TOO_LARGE'

/** `text` in pieces of `size` UTF-16 code units (the last shorter). */
const piecesOf = (text: string, size: number): string[] =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
    text.slice(i * size, (i + 1) * size),
  )

describe('the parser’s maxEventLength', () => {
  it('drops an event whose data grows past it and dispatches the next', () => {
    const input = `data: ${'x'.repeat(20)}\ndata: ${'y'.repeat(20)}\nid: 7\n\ndata: ok\n\n`
    expect(parse([input], 40)).toEqual({
      events: [{ event: 'message', data: 'ok', lastEventId: '7' }],
      errors: [TOO_LARGE],
    })
  })

  it('skips a line that never ends, one small chunk after another, and goes on after it', () => {
    const chunks = [
      'data: a\n\n',
      'data: ',
      ...Array.from({ length: 10_000 }, () => 'z'.repeat(100)),
      '\n\ndata: b\n\n',
    ]
    expect(parse(chunks, 1000)).toEqual({
      events: [
        { event: 'message', data: 'a', lastEventId: '' },
        { event: 'message', data: 'b', lastEventId: '' },
      ],
      errors: [TOO_LARGE],
    })
  })

  it('drops a long comment line with the event it is in, and reports it once', () => {
    const input = `data: a\n:${'c'.repeat(50)}\n:${'c'.repeat(50)}\n\ndata: b\n\n`
    expect(parse([input], 20)).toEqual({
      events: [{ event: 'message', data: 'b', lastEventId: '' }],
      errors: [TOO_LARGE],
    })
  })

  it('reads a line of thousands of tiny chunks whole, limit or not', () => {
    const line = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('')
    const input = `id: 1\ndata: ${line}\r\ndata: ${line}\n\n`
    const chunks = piecesOf(input, 3)
    const whole = parse([input], null)
    expect(whole.events).toEqual([{ event: 'message', data: `${line}\n${line}`, lastEventId: '1' }])
    expect(parse(chunks, null)).toEqual(whole)
    expect(parse(chunks, 20_000)).toEqual(whole)
    expect(parse(chunks, 9000).errors).toEqual([TOO_LARGE])
  })

  it('joins an event of thousands of data lines, empty ones too, in order', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? '' : String(i)))
    const input = `${lines.map((line) => `data:${line}\n`).join('')}\ndata: next\n\n`
    const expected = [
      { event: 'message', data: lines.join('\n'), lastEventId: '' },
      { event: 'message', data: 'next', lastEventId: '' },
    ]
    expect(parse([input], null).events).toEqual(expected)
    expect(parse(piecesOf(input, 5), 100_000).events).toEqual(expected)
  })

  it('refuses a limit that is not a positive integer', () => {
    expect(() => createParser({ onEvent() {} }, { maxEventLength: 0 })).toThrow(/maxEventLength/)
    expect(() => createParser({ onEvent() {} }, { maxEventLength: 1.5 })).toThrow(/maxEventLength/)
  })

  const line = fc.oneof(
    fc.string({ maxLength: 30 }).map((text) => `data: ${text.replace(/[\r\n]/g, '')}`),
    fc.string({ maxLength: 10 }).map((text) => `id: ${text.replace(/[\r\n\0]/g, '')}`),
    fc.constant(''),
    fc.string({ maxLength: 40 }).map((text) => `:${text.replace(/[\r\n]/g, '')}`),
  )
  const stream = fc
    .tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r', '\r\n'))
    .map(([lines, end]) => lines.map((text) => text + end).join(''))

  it('drops the same lines and events under every chunking', () => {
    fc.assert(
      fc.property(
        stream,
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (input, limit, cuts) => {
          const chunks = splitAt(
            input,
            cuts.map((cut) => cut % (input.length + 1)),
          )
          expect(parse(chunks, limit)).toEqual(parse([input], limit))
        },
      ),
    )
  })

  it('changes nothing for a stream whose events all fit', () => {
    fc.assert(
      fc.property(stream, (input) => {
        expect(parse([input], input.length + 1)).toEqual(parse([input], null))
      }),
    )
  })
})
