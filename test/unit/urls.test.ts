import { describe, expect, it } from 'vitest'
import { listenUrl, redactUrl } from '../../src/urls.js'

describe('listenUrl', () => {
  it('shows a wildcard bind as localhost and an IPv6 address in brackets', () => {
    expect(listenUrl('::', 3000)).toBe('http://localhost:3000')
    expect(listenUrl('0.0.0.0', 80)).toBe('http://localhost:80')
    expect(listenUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080')
    expect(listenUrl('::1', 443, 'https')).toBe('https://[::1]:443')
  })
})

describe('redactUrl', () => {
  it('hides the user and password of a URL, and leaves one without them alone', () => {
    expect(redactUrl('redis://user:secret@db:6379/0')).toBe('redis://***@db:6379/0')
    expect(redactUrl('rediss://:secret@db')).toBe('rediss://***@db')
    expect(redactUrl('redis://db:6379')).toBe('redis://db:6379')
  })
})
