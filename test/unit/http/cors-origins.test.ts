import { describe, expect, it } from 'vitest'
import { createHubApp } from '../../../src/app/app.js'
import { originProblem } from '../../../src/http/cors.js'

describe('originProblem', () => {
  it.each(['https://app.example', 'http://localhost:5173', 'https://[::1]:8443', 'null'])(
    'takes %s, an origin as a browser sends it',
    (origin) => {
      expect(originProblem(origin)).toBeUndefined()
    },
  )

  it.each([
    ['https://app.example/', 'write "https://app.example"'],
    ['https://app.example/path', 'write "https://app.example"'],
    ['https://App.Example', 'write "https://app.example"'],
    ['https://app.example:443', 'write "https://app.example"'],
    ['app.example', 'e.g. "https://app.example"'],
    ['*.example.com', 'is not an origin (scheme://host[:port]'],
  ])('refuses %s, saying how to write it', (value, fix) => {
    expect(originProblem(value)).toContain(fix)
  })
})

describe('createHubApp corsOrigins', () => {
  it('refuses an entry that is not an origin with a TypeError naming it', () => {
    expect(() => createHubApp({ corsOrigins: ['https://app.example/'] })).toThrow(
      new TypeError(
        '`corsOrigins` entry "https://app.example/" is not an origin: write "https://app.example" (scheme://host[:port], no path, no trailing slash)',
      ),
    )
  })
})
