/**
 * The layers of src/ (docs/architecture.md), enforced: each folder imports only the folders
 * below it, and the folders form no cycle. The few imports that break a rule today are listed
 * by name, so that none is added unnoticed and each is struck off when it goes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** What each folder may import; `.` is the top-level files (errors.ts, logger.ts). */
const ALLOWED: Record<string, readonly string[]> = {
  '.': [],
  protocol: ['.'],
  client: ['.', 'protocol'],
  stream: ['.', 'protocol', 'hub'],
  hub: ['.', 'protocol'],
  lmdb: ['.', 'protocol', 'hub'],
  redis: ['.', 'protocol', 'hub'],
  cluster: ['.', 'protocol', 'hub'],
  http: ['.', 'protocol', 'stream', 'hub'],
  mercure: ['.', 'protocol', 'stream', 'hub', 'http'],
  app: ['.', 'protocol', 'stream', 'hub', 'http', 'mercure'],
  metrics: ['.', 'protocol', 'hub', 'http', 'cluster', 'app'],
  adapters: ['.', 'protocol', 'stream', 'hub', 'http', 'app'],
  demo: ['.', 'protocol', 'stream', 'hub', 'http', 'app'],
  cli: ['*'],
}

/**
 * Imports against the rules today, file by file (issue 21 removes them): the transports carry
 * Mercure's active subscriptions.
 */
const KNOWN_EXCEPTIONS = new Set([
  'redis/redis-transport.ts -> mercure',
  'redis/subscription-store.ts -> mercure',
  'cluster/messages.ts -> mercure',
  'cluster/primary-state.ts -> mercure',
  'cluster/shared-subscriptions.ts -> mercure',
])

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

const folderOf = (file: string): string => {
  const path = relative(SRC, file)
  return path.includes('/') ? (path.split('/')[0] as string) : '.'
}

/** Every relative import and re-export of src/, as `file -> folder`. */
function imports(): Array<{ file: string; from: string; to: string }> {
  const found: Array<{ file: string; from: string; to: string }> = []
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/^(?:import|export)[^'"]*?from '(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), match[1] as string)
      found.push({ file: relative(SRC, file), from: folderOf(file), to: folderOf(target) })
    }
  }
  return found
}

describe('the layers of src/', () => {
  const all = imports()

  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(100)
    expect(Object.keys(ALLOWED).sort()).toEqual([...new Set(all.map((i) => i.from))].sort())
  })

  it('allows no cycle between folders: the rules themselves are an order', () => {
    const placed = new Set<string>()
    let progress = true
    while (progress) {
      progress = false
      for (const [folder, below] of Object.entries(ALLOWED)) {
        if (placed.has(folder) || below.includes('*')) continue
        if (below.every((other) => placed.has(other))) {
          placed.add(folder)
          progress = true
        }
      }
    }
    const layered = Object.keys(ALLOWED).filter((folder) => !ALLOWED[folder]?.includes('*'))
    expect([...placed].sort()).toEqual(layered.sort())
  })

  it('has each folder import only the folders below it', () => {
    const broken = all
      .filter(({ from, to }) => from !== to && from !== '.' && !ALLOWED[from]?.includes('*'))
      .filter(({ from, to }) => !ALLOWED[from]?.includes(to))
      .map(({ file, to }) => `${file} -> ${to}`)
      .filter((rule) => !KNOWN_EXCEPTIONS.has(rule))
    expect(broken).toEqual([])
  })

  it('keeps its list of known exceptions true: each still happens', () => {
    const happening = new Set(all.map(({ file, to }) => `${file} -> ${to}`))
    expect([...KNOWN_EXCEPTIONS].filter((rule) => !happening.has(rule))).toEqual([])
  })

  it('has the top-level files import nothing of the folders (index.ts, the public face, aside)', () => {
    const upward = all.filter(
      ({ file, from, to }) => from === '.' && to !== '.' && file !== 'index.ts',
    )
    expect(upward).toEqual([])
  })
})
