import { describe, expect, it } from 'vitest'
import { SseError } from '../../../src/errors.js'
import { encodeEvent, serializeEvent } from '../../../src/protocol/encode.js'

describe('encoder', () => {
  it('writes a single-line event as the seed does', () => {
    expect(serializeEvent({ data: 'Server time is 10:00:00' })).toBe(
      'data: Server time is 10:00:00\n\n',
    )
  })

  it.each([
    ['LF', 'a\nb\nc'],
    ['CRLF', 'a\r\nb\r\nc'],
    ['CR', 'a\rb\rc'],
    ['a mix', 'a\r\nb\rc'],
  ])('splits data on %s into several data: lines', (_name, data) => {
    expect(serializeEvent({ data })).toBe('data: a\ndata: b\ndata: c\n\n')
  })

  it('keeps empty lines of data, first and last included', () => {
    expect(serializeEvent({ data: '\nx\n' })).toBe('data: \ndata: x\ndata: \n\n')
  })

  it('writes empty data as one empty data: line, which clients dispatch', () => {
    expect(serializeEvent({ data: '' })).toBe('data: \n\n')
  })

  it('writes fields in the order comment, event, id, retry, data', () => {
    expect(serializeEvent({ data: 'd', retry: 10, id: '1', event: 'e', comment: 'c' })).toBe(
      ': c\nevent: e\nid: 1\nretry: 10\ndata: d\n\n',
    )
  })

  it('writes a multi-line comment as several comment lines', () => {
    expect(serializeEvent({ comment: 'one\ntwo' })).toBe(': one\n: two\n\n')
  })

  it('writes no data line when data is absent', () => {
    expect(serializeEvent({ retry: 0 })).toBe('retry: 0\n\n')
  })

  it.each([
    ['event', { data: 'x', event: 'a\nb' }, 'ERR_SSE_INVALID_EVENT'],
    ['event', { data: 'x', event: 'a\rdata: injected' }, 'ERR_SSE_INVALID_EVENT'],
    ['id', { data: 'x', id: '1\n2' }, 'ERR_SSE_INVALID_ID'],
    ['id', { data: 'x', id: '1\r' }, 'ERR_SSE_INVALID_ID'],
    ['id', { data: 'x', id: 'a\0b' }, 'ERR_SSE_INVALID_ID'],
    ['retry', { data: 'x', retry: -1 }, 'ERR_SSE_INVALID_RETRY'],
    ['retry', { data: 'x', retry: 1.5 }, 'ERR_SSE_INVALID_RETRY'],
    ['retry', { data: 'x', retry: Number.NaN }, 'ERR_SSE_INVALID_RETRY'],
    ['data', { data: 42 as unknown as string }, 'ERR_SSE_INVALID_DATA'],
  ])('refuses a bad %s with a typed error', (_field, event, code) => {
    let thrown: unknown
    try {
      serializeEvent(event)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(SseError)
    expect((thrown as SseError).code).toBe(code)
  })

  it('allows NUL in event and data, where it cannot break framing', () => {
    expect(serializeEvent({ event: 'a\0', data: 'b\0' })).toBe('event: a\0\ndata: b\0\n\n')
  })

  it('encodes to the UTF-8 bytes of the serialized text', () => {
    const event = { event: 'ünï', id: '€1', data: 'é\n😀' }
    expect(new Uint8Array(encodeEvent(event))).toEqual(
      new TextEncoder().encode(serializeEvent(event)),
    )
  })
})
