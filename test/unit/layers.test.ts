/**
 * The layers of src/ (docs/architecture.md), enforced: each folder imports only the folders
 * below it, and the folders form no cycle.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/**
 * What each folder may import; `.` is the top-level files (errors.ts, logger.ts, timers.ts),
 * of which errors.ts types the protocol's error class with every code.
 */
const ALLOWED: Record<string, readonly string[]> = {
  '.': ['protocol'],
  protocol: [],
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

/**
 * The folders that run on web standards alone (any runtime with `fetch`, `TextEncoder` and Web
 * Crypto): no `node:` module, no `Buffer`. `tsconfig.core.json` type-checks them without Node's
 * types as well (`npm run typecheck`).
 */
const RUNTIME_NEUTRAL = ['protocol', 'client', 'hub', 'stream', 'http', 'mercure']

/** `text` without its comments, so that a comment may name what the code must not use. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/[^\n]*/g, '$1')
}

describe('the runtime-neutral core', () => {
  const files = RUNTIME_NEUTRAL.flatMap((folder) => sourceFiles(join(SRC, folder)))

  it('finds the files it checks', () => {
    expect(files.length).toBeGreaterThan(40)
  })

  it('imports no node: module', () => {
    const found = files.filter((file) =>
      /(?:from|import)\s*\(?\s*'node:/.test(withoutComments(readFileSync(file, 'utf8'))),
    )
    expect(found.map((file) => relative(SRC, file))).toEqual([])
  })

  it('uses no Buffer', () => {
    const found = files.filter((file) =>
      /\bBuffer\b/.test(withoutComments(readFileSync(file, 'utf8'))),
    )
    expect(found.map((file) => relative(SRC, file))).toEqual([])
  })
})

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
    expect(broken).toEqual([])
  })

  it('has the top-level files import nothing of the folders but the protocol (index.ts, the public face, aside)', () => {
    const upward = all.filter(
      ({ file, from, to }) =>
        from === '.' && to !== '.' && to !== 'protocol' && file !== 'index.ts',
    )
    expect(upward).toEqual([])
  })
})
