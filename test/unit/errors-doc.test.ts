import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SSE_ERROR_CODES } from '../../src/errors.js'

describe('error codes', () => {
  it('are each listed in docs/reference/errors.md, and the list holds no others', () => {
    const doc = readFileSync(new URL('../../docs/reference/errors.md', import.meta.url), 'utf8')
    const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(documented.sort()).toEqual([...SSE_ERROR_CODES].sort())
  })
})
