import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSocketFrames, frameChunk } from '../../../src/adapters/node-sink.js'

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

  it('frames the same bytes once for consecutive calls to one framer, and new bytes anew', () => {
    const frame = createSocketFrames().chunk
    const body = new TextEncoder().encode('data: a\n\n')
    const framed = frame(body)
    expect(frame(body)).toBe(framed)
    const other = new TextEncoder().encode('data: b\n\n')
    expect(new TextDecoder().decode(frame(other))).toBe('9\r\ndata: b\n\n\r\n')
  })

  it('hands the socket a Buffer over the bytes themselves when unframed (HTTP/1.0)', () => {
    const raw = createSocketFrames().raw
    const body = new TextEncoder().encode('data: a\n\n')
    const view = raw(body)
    expect(Buffer.isBuffer(view)).toBe(true)
    expect(view.buffer).toBe(body.buffer)
    expect(raw(body)).toBe(view)
  })

  it('keeps each server’s memory its own: two servers share none', () => {
    const [one, two] = [createSocketFrames().chunk, createSocketFrames().chunk]
    const body = new TextEncoder().encode('data: a\n\n')
    expect(two(body)).not.toBe(one(body))
    expect(two(body)).toEqual(one(body))
  })
})
