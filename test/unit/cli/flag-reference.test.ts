import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  FLAG_REFERENCE_MARKERS,
  flagReference,
  helpEntries,
  withFlagReference,
} from '../../../src/cli/flag-reference.js'
import { COMMAND_FLAGS, configKeyOf } from '../../../src/cli/flags.js'
import { SERVE_FLAGS, SERVE_HELP } from '../../../src/cli/serve.js'

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

describe('the serve flag reference', () => {
  it('in the README is the one the help and the flag table make (npm run docs:flags)', () => {
    const reference = flagReference(SERVE_HELP, SERVE_FLAGS)
    expect(README).toContain(FLAG_REFERENCE_MARKERS.start)
    expect(withFlagReference(README, reference)).toBe(README)
  })

  it('lists every flag of the table in the help, and no other', () => {
    const documented = helpEntries(SERVE_HELP).map((e) => e.flag)
    expect([...documented].sort()).toEqual(Object.keys(SERVE_FLAGS).sort())
  })

  it('names in the help the environment variable the table gives a flag, and no other', () => {
    for (const entry of helpEntries(SERVE_HELP)) {
      const spec = SERVE_FLAGS[entry.flag as keyof typeof SERVE_FLAGS] as { env?: string }
      const mentioned = /\(env ([A-Z_]+)/.exec(entry.description.join(' '))?.[1]
      expect(mentioned, `--${entry.flag}`).toBe(spec.env)
    }
  })

  it('gives every server flag a distinct config key, its name in camelCase', () => {
    const flags = Object.keys(SERVE_FLAGS).filter((f) => !COMMAND_FLAGS.has(f))
    const keys = flags.map(configKeyOf)
    expect(new Set(keys).size).toBe(flags.length)
    expect(configKeyOf('max-connections-per-ip')).toBe('maxConnectionsPerIp')
    expect(configKeyOf('no-clock')).toBe('noClock')
  })
})
