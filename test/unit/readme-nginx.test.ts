import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SSE_PROXY_SETTINGS } from '../helpers/nginx.js'

describe('the README scale-out section', () => {
  it('shows the nginx settings the nginx tests run with', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const block = /```nginx\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const settings = SSE_PROXY_SETTINGS.split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
    expect(settings.length).toBeGreaterThanOrEqual(5)
    for (const line of settings) expect(block).toContain(line)
  })
})
