/**
 * The streaming parser: `text/event-stream` text or bytes, fed in chunks of any size, to events,
 * exactly as the WHATWG HTML standard tells a user agent to interpret them.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import { type ProtocolErrorCode, SseError } from './errors.js'
import type { Parser, ParserCallbacks, ParserOptions } from './types.js'

const LF = 10
const SPACE = 32
const BOM = '\uFEFF'
const ALL_DIGITS = /^[0-9]+$/
/** How many fragments of a line are kept before they are joined into one run. */
const FRAGMENTS_PER_RUN = 1024
/** How many data lines of an event are kept before they are joined into one run. */
const LINES_PER_RUN = 1024

/**
 * Creates a streaming parser that calls back once per dispatched event.
 *
 * Chunks may split anything: a line, a CRLF pair, a multi-byte UTF-8 character (feed bytes for
 * that; they are decoded with one streaming decoder). Nothing is ever thrown: input the spec says
 * to ignore is ignored, and reported through `onError` when that is given. With
 * `options.maxEventLength`, an event that grows past it is dropped rather than held.
 *
 * @throws {TypeError} when `options.maxEventLength` is not a positive integer or null.
 * @example
 * const parser = createParser({ onEvent: (e) => console.log(e.event, e.data, e.lastEventId) })
 * parser.feed('event: greeting\ndata: hel')
 * parser.feed('lo\n\n') // logs: greeting hello
 */
export function createParser(callbacks: ParserCallbacks, options: ParserOptions = {}): Parser {
  const { onEvent, onRetry, onComment, onError } = callbacks
  const maxLength = resolveMaxLength(options.maxEventLength)
  let decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  let atStreamStart = true
  let skipLeadingLf = false
  // The incomplete last line of the chunks seen so far, as fragments: joined once, when its line
  // ends, because joining per chunk is quadratic on a long line arriving in many small chunks.
  let fragments: string[] = []
  let fragmentsLength = 0
  // Fragments before this index are already joined runs. Each fragment costs some 30 bytes of
  // its own: a line arriving a few bytes a chunk would take many times its size, so every
  // FRAGMENTS_PER_RUN new fragments are joined into one run (each character is copied once
  // more; a line in large chunks never gets there). Data lines likewise, LINES_PER_RUN.
  let runsEnd = 0
  // Past the limit: the line being read is skipped to its end, and the event's data dropped.
  let skippingLine = false
  let oversized = false
  // The event's data as two parts: `dataRuns`, runs of LINES_PER_RUN lines each made one flat
  // string, and `dataTail`, the lines since (`dataTailLines` of them), concatenated. Joined
  // when the event is dispatched; `dataLength` is the length of the two joined.
  let dataRuns = ''
  let hasRuns = false
  let dataTail = ''
  let dataTailLines = 0
  let dataLength = 0
  let hasData = false
  let eventType = ''
  let lastEventId = ''
  // The spec's "last event ID string": the buffer as of the latest dispatch. A reset goes back
  // to it, so an `id:` of an event cut off by a lost connection is not sent as `Last-Event-ID`.
  let dispatchedId = ''
  let eventHasId = false

  const dispatch = (): void => {
    dispatchedId = lastEventId
    if (hasData && !oversized) {
      const data = !hasRuns ? dataTail : dataTailLines === 0 ? dataRuns : `${dataRuns}\n${dataTail}`
      onEvent({ event: eventType || 'message', data, lastEventId, hasId: eventHasId })
    }
    clearData()
    hasData = false
    eventType = ''
    eventHasId = false
    oversized = false
  }

  const overflow = (): void => {
    if (!oversized) {
      onError?.(
        new SseError<ProtocolErrorCode>(
          'ERR_SSE_PARSE_EVENT_TOO_LARGE',
          `dropped an event longer than ${maxLength} characters (maxEventLength)`,
        ),
      )
    }
    oversized = true
    clearData()
  }

  function clearData(): void {
    dataRuns = ''
    hasRuns = false
    dataTail = ''
    dataTailLines = 0
    dataLength = 0
  }

  const processField = (field: string, value: string): void => {
    switch (field) {
      case 'data':
        // Within the limit: the line, with the data before it, was checked to fit.
        if (!oversized) {
          dataLength += hasData ? value.length + 1 : value.length
          dataTail = dataTailLines === 0 ? value : `${dataTail}\n${value}`
          // Concatenation builds a rope, some 30 bytes a node: an event of one-character lines
          // would hold 30 times its size. Reading a character makes V8 (Node, Chromium) flatten
          // a rope into one string; the tail alone is, so each character is copied once.
          if (++dataTailLines >= LINES_PER_RUN) {
            dataTail.charCodeAt(0)
            dataRuns = hasRuns ? `${dataRuns}\n${dataTail}` : dataTail
            hasRuns = true
            dataTail = ''
            dataTailLines = 0
          }
        }
        hasData = true
        return
      case 'event':
        eventType = value
        return
      case 'id':
        if (value.includes('\0')) return
        lastEventId = value
        eventHasId = true
        return
      case 'retry':
        if (ALL_DIGITS.test(value)) onRetry?.(Number.parseInt(value, 10))
        else
          onError?.(
            new SseError<ProtocolErrorCode>(
              'ERR_SSE_PARSE_INVALID_RETRY',
              `ignored retry: ${JSON.stringify(value)}`,
            ),
          )
        return
      default:
        onError?.(
          new SseError<ProtocolErrorCode>(
            'ERR_SSE_PARSE_UNKNOWN_FIELD',
            `ignored field ${JSON.stringify(field)}`,
          ),
        )
    }
  }

  const processLine = (line: string): void => {
    if (line.length === 0) {
      dispatch()
      return
    }
    const colon = line.indexOf(':')
    if (colon === 0) {
      if (onComment !== undefined)
        onComment(line.charCodeAt(1) === SPACE ? line.slice(2) : line.slice(1))
      return
    }
    if (colon === -1) {
      processField(line, '')
      return
    }
    const valueStart = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1
    processField(line.slice(0, colon), line.slice(valueStart))
  }

  // Line ends found with indexOf, which the engine runs natively over the string, rather than a
  // charCodeAt loop in JavaScript: this runs for every byte a client receives. Each of the two
  // searches is redone only once its hit is passed, and never after it found none, so a chunk
  // is scanned about twice at most whatever its line ends.
  const feedText = (text: string): void => {
    let start = 0
    if (skipLeadingLf && text.length > 0) {
      if (text.charCodeAt(0) === LF) start = 1
      skipLeadingLf = false
    }
    let nextLf = text.indexOf('\n', start)
    let nextCr = text.indexOf('\r', start)
    while (nextLf !== -1 || nextCr !== -1) {
      const end = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr
      if (skippingLine) {
        skippingLine = false
      } else {
        let line = text.slice(start, end)
        if (fragments.length > 0) {
          fragments.push(line)
          line = fragments.join('')
          fragments = []
          fragmentsLength = 0
          runsEnd = 0
        }
        if ((oversized ? 0 : dataLength) + line.length > maxLength) overflow()
        else processLine(line)
      }
      start = end + 1
      if (end === nextCr) {
        if (start === text.length) skipLeadingLf = true
        else if (text.charCodeAt(start) === LF) start++
      }
      if (nextLf !== -1 && nextLf < start) nextLf = text.indexOf('\n', start)
      if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start)
    }
    if (start < text.length && !skippingLine) {
      fragmentsLength += text.length - start
      // A line is held only while it fits, with the event's data, in the limit (the test a whole
      // line meets, so any chunking drops the same lines): a stream that never ends a line
      // grows nothing here.
      if ((oversized ? 0 : dataLength) + fragmentsLength > maxLength) {
        overflow()
        skippingLine = true
        fragments = []
        fragmentsLength = 0
        runsEnd = 0
      } else {
        fragments.push(text.slice(start))
        if (fragments.length - runsEnd >= FRAGMENTS_PER_RUN) {
          fragments.push(fragments.splice(runsEnd).join(''))
          runsEnd = fragments.length
        }
      }
    }
  }

  return {
    feed(chunk) {
      let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
      if (atStreamStart) {
        if (text.length === 0) return
        atStreamStart = false
        if (text.startsWith(BOM)) text = text.slice(1)
      }
      feedText(text)
    },
    reset(options) {
      decoder = new TextDecoder('utf-8', { ignoreBOM: true })
      atStreamStart = true
      skipLeadingLf = false
      fragments = []
      fragmentsLength = 0
      runsEnd = 0
      skippingLine = false
      oversized = false
      clearData()
      hasData = false
      eventType = ''
      eventHasId = false
      lastEventId = options?.lastEventId ?? dispatchedId
      dispatchedId = lastEventId
    },
    get lastEventId() {
      return lastEventId
    },
  }
}

function resolveMaxLength(value: number | null | undefined): number {
  if (value === undefined || value === null) return Number.POSITIVE_INFINITY
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(
      `\`maxEventLength\` must be a positive integer or null, got ${String(value)}`,
    )
  }
  return value
}
