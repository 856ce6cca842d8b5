import fc from 'fast-check'
import { describe, it } from 'vitest'
import { serializeEvent } from '../../../src/protocol/encode.js'
import { createParser } from '../../../src/protocol/parse.js'
import type { ParsedEvent, SseEvent } from '../../../src/protocol/types.js'

const text = fc.string({ unit: 'binary', maxLength: 40 })
const withoutLineBreaks = (forbidden: RegExp) => text.filter((s) => !forbidden.test(s))
const arbitraryEvent: fc.Arbitrary<SseEvent & { data: string }> = fc.record(
  {
    data: fc.oneof(
      text,
      fc.array(text, { maxLength: 4 }).map((lines) => lines.join('\r\n')),
    ),
    event: withoutLineBreaks(/[\r\n]/),
    id: withoutLineBreaks(/[\r\n\0]/),
  },
  { requiredKeys: ['data'] },
)

/** What a client must see for `events`: data line breaks as LF, type defaulted, id carried. */
function expected(events: Array<SseEvent & { data: string }>) {
  let lastEventId = ''
  return events.map((e) => {
    if (e.id !== undefined) lastEventId = e.id
    return { event: e.event || 'message', data: e.data.replace(/\r\n|\r/g, '\n'), lastEventId }
  })
}

function parse(chunks: Array<string | Uint8Array>) {
  const events: Array<Omit<ParsedEvent, 'hasId'>> = []
  const parser = createParser({
    onEvent: ({ event, data, lastEventId }) => events.push({ event, data, lastEventId }),
  })
  for (const chunk of chunks) parser.feed(chunk)
  return events
}

function cut<T extends string | Uint8Array>(whole: T, fractions: number[]): T[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * whole.length)))].sort(
    (a, b) => a - b,
  )
  const bounds = [0, ...points, whole.length]
  return bounds.slice(1).map((end, i) => whole.slice(bounds[i], end) as T)
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 })

describe('encode then parse', () => {
  it('gives back every event, cut into arbitrary byte chunks', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 8 }), cuts, (events, fractions) => {
        const bytes = new TextEncoder().encode(events.map(serializeEvent).join(''))
        const parsed = parse(cut(bytes, fractions))
        return JSON.stringify(parsed) === JSON.stringify(expected(events))
      }),
      { numRuns: 500 },
    )
  })

  it('gives back every event, cut into arbitrary string chunks', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 8 }), cuts, (events, fractions) => {
        const parsed = parse(cut(events.map(serializeEvent).join(''), fractions))
        return JSON.stringify(parsed) === JSON.stringify(expected(events))
      }),
      { numRuns: 500 },
    )
  })
})
