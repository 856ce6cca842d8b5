import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { frameChunk } from '../../../src/adapters/node-sink.js'

describe('frameChunk', () => {
  it('frames any bytes as one HTTP/1.1 chunk: size in hex, CRLF, the bytes, CRLF', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (body) => {
        const expected = Buffer.concat([
          Buffer.from(`${body.byteLength.toString(16)}\r\n`, 'latin1'),
          body,
          Buffer.from('\r\n', 'latin1'),
        ])
        expect(Buffer.from(frameChunk(body))).toEqual(expected)
      }),
    )
  })

  it('frames the same bytes once for consecutive calls, and new bytes anew', () => {
    const body = new TextEncoder().encode('data: a\n\n')
    const framed = frameChunk(body)
    expect(frameChunk(body)).toBe(framed)
    const other = new TextEncoder().encode('data: b\n\n')
    expect(new TextDecoder().decode(frameChunk(other))).toBe('9\r\ndata: b\n\n\r\n')
  })
})
