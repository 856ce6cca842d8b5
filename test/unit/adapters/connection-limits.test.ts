import { describe, expect, it } from 'vitest'
import { defaultMaxConnections, readFdLimit } from '../../../src/adapters/connection-limits.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                1048576              files
Max locked memory         8388608              8388608              bytes
`

describe('readFdLimit', () => {
  it('reads the soft limit of open files from /proc/self/limits', () => {
    expect(readFdLimit(() => LIMITS)).toBe(20_000)
  })

  it('takes "unlimited" as no practical limit', () => {
    const text = LIMITS.replace('20000               ', 'unlimited           ')
    expect(readFdLimit(() => text)).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('gives undefined where the file cannot be read or says nothing of open files', () => {
    expect(
      readFdLimit(() => {
        throw new Error('ENOENT')
      }),
    ).toBeUndefined()
    expect(readFdLimit(() => 'Limit Soft Hard Units\n')).toBeUndefined()
  })

  it('reads this process on Linux', () => {
    if (process.platform !== 'linux') return
    expect(readFdLimit()).toBeGreaterThan(0)
  })
})

describe('defaultMaxConnections', () => {
  it.each([
    [1024, 921],
    [20_000, 19_488],
    [1_048_576, 1_048_064],
    [256, 224],
    [16, 1],
  ])('keeps 10%% of %i open files free, from 32 to 512 files', (fdLimit, expected) => {
    expect(defaultMaxConnections(fdLimit)).toBe(expected)
  })
})
