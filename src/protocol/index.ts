/**
 * ssehub/protocol: the `text/event-stream` wire format alone, for servers, Node clients and
 * browsers alike (no `node:` imports).
 *
 * @example
 * ```ts
 * import { createParser, serializeEvent } from 'ssehub/protocol'
 * const parser = createParser({ onEvent: (e) => console.log(e.event, e.data) })
 * parser.feed(serializeEvent({ event: 'greeting', data: 'hello' }))
 * ```
 */

export { assertValidEvent, encodeEvent, serializeEvent } from './encode.js'
export { PROTOCOL_ERROR_CODES, type ProtocolErrorCode, SseError } from './errors.js'
export { createParser } from './parse.js'
export type { ParsedEvent, Parser, ParserCallbacks, ParserOptions, SseEvent } from './types.js'
