import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../src/client/backoff.js'
import { EventSource } from '../../../src/client/event-source.js'
import { resolveInit } from '../../../src/client/options.js'

/** A fetch that never answers: the source stays CONNECTING and makes no request. */
const pending = () => new Promise<Response>(() => {})

describe('ssehub/client EventSource, as an object', () => {
  it('has the constants, url and withCredentials of the browser class', () => {
    const source = new EventSource('http://hub.test/events?topic=a b', {
      fetch: pending,
      withCredentials: true,
    })
    expect([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]).toEqual([0, 1, 2])
    expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2])
    expect(source.url).toBe('http://hub.test/events?topic=a%20b')
    expect(source.withCredentials).toBe(true)
    expect(source.readyState).toBe(EventSource.CONNECTING)
    source.close()
    expect(source.readyState).toBe(EventSource.CLOSED)
  })

  it('types named events as MessageEvents, as the DOM types them', () => {
    const source = new EventSource('http://hub.test/', { fetch: pending })
    const seen: string[] = []
    const onJoined = (event: MessageEvent) => seen.push(`${event.type} ${event.data}`)
    source.addEventListener('joined', onJoined)
    source.addEventListener('open', (event) => seen.push(event.type))
    source.dispatchEvent(new MessageEvent('joined', { data: 'ada' }))
    source.removeEventListener('joined', onJoined)
    source.dispatchEvent(new MessageEvent('joined', { data: 'bob' }))
    expect(seen).toEqual(['joined ada'])
    source.close()
  })

  it('throws a SyntaxError DOMException for a URL it cannot parse', () => {
    expect(() => new EventSource('/relative, with no base in Node', { fetch: pending })).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    )
  })

  it('calls onmessage in its place among listeners, replaced in place, removed by null', () => {
    const source = new EventSource('http://hub.test/', { fetch: pending })
    const calls: string[] = []
    source.addEventListener('message', () => calls.push('first'))
    source.onmessage = () => calls.push('handler v1')
    source.addEventListener('message', () => calls.push('last'))
    source.dispatchEvent(new MessageEvent('message', { data: 'x' }))
    source.onmessage = function (this: EventSource, event) {
      calls.push(`handler v2 ${event.data} ${this === source}`)
    }
    source.dispatchEvent(new MessageEvent('message', { data: 'y' }))
    source.onmessage = null
    source.dispatchEvent(new MessageEvent('message', { data: 'z' }))
    expect(calls).toEqual([
      'first',
      'handler v1',
      'last',
      'first',
      'handler v2 y true',
      'last',
      'first',
      'last',
    ])
    expect(source.onmessage).toBeNull()
    source.close()
  })
})

describe('the init dictionary', () => {
  it('refuses a bad field with a TypeError naming it', () => {
    expect(() => resolveInit({ reconnectionMs: -1 })).toThrow(/`reconnectionMs`/)
    expect(() => resolveInit({ retryOnFailure: { maxMs: 1.5 } })).toThrow(/retryOnFailure\.maxMs/)
    expect(() => resolveInit({ headers: { 'x-a': 'b\r\nc' } })).toThrow(/`headers`/)
    expect(() => resolveInit({ body: 'x' })).toThrow(/`body` needs a method/)
  })

  it('defaults to the spec: no retry on failure, shared where the runtime allows', () => {
    const init = resolveInit()
    expect(init.retryOnFailure).toBeNull()
    expect(init.share).toBe(true)
    expect(init.method).toBe('GET')
    expect(resolveInit({ retryOnFailure: true }).retryOnFailure).toEqual({
      initialMs: 1000,
      maxMs: 30_000,
      maxAttempts: null,
      everyStatus: false,
    })
  })
})

describe('back-off with full jitter', () => {
  const policy = { initialMs: 100, maxMs: 1000, maxAttempts: null, everyStatus: false }

  it('waits between 0 and the doubling ceiling, capped', () => {
    expect([0, 1, 2, 3, 4, 50].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ])
    expect(backoffDelay(3, policy, () => 0)).toBe(0)
  })
})
