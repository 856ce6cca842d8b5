/**
 * What the adapters import at run time: the web-standard ones (ssehub/fetch, ssehub/hono) no
 * `node:` module, so they load on Bun, Deno and workers; no file of src/ a framework (each is
 * an optional peer dependency, named in types only).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const FRAMEWORKS = ['express', 'fastify', 'hono', '@hono/node-server', 'compression']

/** The modules `file` loads at run time: `import type` and `export type` are erased. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  for (const match of text.matchAll(/^(import|export)(?! type )[^'"]*?from '([^']+)'/gm)) {
    found.push(match[2] as string)
  }
  return found
}

/** Every module reached from `entry` at run time, relative ones as paths under src/. */
function graph(entry: string, seen = new Set<string>()): Set<string> {
  const file = join(SRC, entry)
  if (seen.has(entry)) return seen
  seen.add(entry)
  for (const specifier of runtimeImports(file)) {
    if (!specifier.startsWith('.')) seen.add(specifier)
    else graph(relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))), seen)
  }
  return seen
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

describe('adapter imports', () => {
  it.each(['adapters/fetch.ts', 'adapters/hono.ts'])('%s loads no node: module', (entry) => {
    const modules = [...graph(entry)]
    expect(modules).toContain('adapters/web-sink.ts')
    expect(modules.filter((m) => m.startsWith('node:'))).toEqual([])
    expect(modules.filter((m) => FRAMEWORKS.includes(m))).toEqual([])
  })

  it('no file of src/ loads a framework at run time', () => {
    const offenders = sourceFiles(SRC).flatMap((file) =>
      runtimeImports(file)
        .filter((specifier) => FRAMEWORKS.includes(specifier))
        .map((specifier) => `${relative(SRC, file)} -> ${specifier}`),
    )
    expect(offenders).toEqual([])
  })
})
