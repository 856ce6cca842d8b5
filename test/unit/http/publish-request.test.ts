import { describe, expect, it } from 'vitest'
import { parsePublishRequest } from '../../../src/http/publish-request.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('publish request', () => {
  it('reads one JSON event with a topic list', () => {
    const request = parsePublishRequest(
      'application/json; charset=utf-8',
      bytes(JSON.stringify({ topic: ['a', 'b'], data: 'x', event: 'e', id: '1', retry: 10 })),
    )
    expect(request).toEqual({
      batch: false,
      inputs: [{ topics: ['a', 'b'], data: 'x', event: 'e', id: '1', retry: 10 }],
    })
  })

  it('reads form fields, topic repeated', () => {
    const request = parsePublishRequest(
      'application/x-www-form-urlencoded',
      bytes('topic=a&topic=b&data=x%0Ay'),
    )
    expect(request.inputs).toEqual([{ topics: ['a', 'b'], data: 'x\ny' }])
  })

  it.each([
    ['a retry that is not digits', 'topic=a&retry=1e3'],
    ['an unknown field', 'topic=a&colour=red'],
    ['no topic', 'data=x'],
  ])('refuses a form with %s', (_name, body) => {
    expect(() => parsePublishRequest('application/x-www-form-urlencoded', bytes(body))).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_BAD_REQUEST' }),
    )
  })

  it('names the failing event of a batch', () => {
    const body = JSON.stringify([{ topic: 'a' }, { topic: 'a', data: 7 }])
    expect(() => parsePublishRequest('application/json', bytes(body))).toThrow(
      'event 1: `data` must be a string',
    )
  })

  it('refuses an empty batch', () => {
    expect(() => parsePublishRequest('application/json', bytes('[]'))).toThrow(/1 to 10000 events/)
  })

  it('refuses a missing content type with ERR_SSE_UNSUPPORTED_MEDIA_TYPE', () => {
    expect(() => parsePublishRequest(undefined, bytes('{}'))).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_UNSUPPORTED_MEDIA_TYPE' }),
    )
  })
})
