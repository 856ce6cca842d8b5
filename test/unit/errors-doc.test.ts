import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SSE_ERROR_CODES, SseError } from '../../src/errors.js'
import {
  encodeEvent,
  PROTOCOL_ERROR_CODES,
  SseError as ProtocolSseError,
} from '../../src/protocol/index.js'

describe('error codes', () => {
  it('are each listed in docs/reference/errors.md, and the list holds no others', () => {
    const doc = readFileSync(new URL('../../docs/reference/errors.md', import.meta.url), 'utf8')
    const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(documented.sort()).toEqual([...SSE_ERROR_CODES].sort())
  })

  it('include the protocol’s own, from one class shared by the protocol and the package', () => {
    expect(SSE_ERROR_CODES.slice(0, PROTOCOL_ERROR_CODES.length)).toEqual([...PROTOCOL_ERROR_CODES])
    expect(SseError).toBe(ProtocolSseError)
    const thrown = (() => {
      try {
        encodeEvent({ data: 'x', event: 'a\nb' })
      } catch (error) {
        return error
      }
    })()
    expect(thrown).toBeInstanceOf(SseError)
    expect(thrown).toMatchObject({ name: 'SseError', code: 'ERR_SSE_INVALID_EVENT' })
  })

  it('are the only ones src/ uses', () => {
    const used = new Set<string>()
    const walk = (dir: URL): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(new URL(`${entry.name}/`, dir))
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(new URL(entry.name, dir), 'utf8')
          for (const match of text.matchAll(/'(ERR_SSE_[A-Z_]+)'/g)) used.add(match[1] as string)
        }
      }
    }
    walk(new URL('../../src/', import.meta.url))
    expect(
      [...used].filter((code) => !(SSE_ERROR_CODES as readonly string[]).includes(code)),
    ).toEqual([])
  })
})
