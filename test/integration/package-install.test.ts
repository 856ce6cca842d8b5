/**
 * The install story of the README, as a user lives it: `npm pack` the package, install the
 * tarball into an empty project, run its `ssehub` bin, import every subpath export.
 *
 * The install reaches the npm registry for the dependencies unless npm's cache has them
 * (`--prefer-offline`); it is bounded by a timeout.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string
  exports: Record<string, unknown>
  peerDependencies?: Record<string, string>
}
const INSTALL_TIMEOUT_MS = 180_000

let dir: string
let project: string
let installed: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssehub-pack-'))
  // The tests run on a build (`pretest`): packing it as it is, without running `prepare` again.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
    cwd: ROOT,
    timeout: 60_000,
  })
  const tarball = join(dir, stdout.trim().split('\n').at(-1) ?? '')
  project = join(dir, 'project')
  await run('mkdir', [project])
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'ssehub-install-probe', private: true, type: 'module' }),
  )
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
    { cwd: project, timeout: INSTALL_TIMEOUT_MS },
  )
  installed = join(project, 'node_modules', 'ssehub')
}, INSTALL_TIMEOUT_MS + 60_000)

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('the packed package, installed into an empty project', () => {
  it('puts an ssehub command on the project bin path that runs --version and --help', async () => {
    const bin = join(project, 'node_modules', '.bin', 'ssehub')
    const version = await run(bin, ['--version'], { cwd: project })
    expect(version.stdout).toBe(`${manifest.version}\n`)
    const help = await run(bin, ['--help'], { cwd: project })
    expect(help.stdout).toMatch(/^Usage: ssehub <command>/)
    const serveVersion = await run(bin, ['serve', '--version'], { cwd: project })
    expect(serveVersion.stdout).toBe(`${manifest.version}\n`)
  })

  it('imports every subpath export of package.json, or names the missing optional peer', async () => {
    const subpaths = Object.keys(manifest.exports).filter((s) => s !== './package.json')
    const specifiers = subpaths.map((s) => (s === '.' ? 'ssehub' : `ssehub/${s.slice(2)}`))
    // One process imports each as a user's module would, and says how each went.
    const probe = `
      const results = {}
      for (const specifier of ${JSON.stringify(specifiers)}) {
        try {
          const module = await import(specifier)
          results[specifier] = { ok: true, exports: Object.keys(module).length }
        } catch (error) {
          results[specifier] = { ok: false, code: error.code, message: error.message }
        }
      }
      console.log(JSON.stringify(results))
    `
    writeFileSync(join(project, 'probe.mjs'), probe)
    const { stdout } = await run(process.execPath, ['probe.mjs'], { cwd: project })
    const results = JSON.parse(stdout) as Record<
      string,
      { ok: boolean; exports?: number; code?: string; message?: string }
    >
    const peers = Object.keys(manifest.peerDependencies ?? {})
    expect(Object.keys(results)).toEqual(specifiers)
    for (const [specifier, result] of Object.entries(results)) {
      if (result.ok) {
        expect(result.exports, specifier).toBeGreaterThan(0)
        continue
      }
      // A subpath for a framework (express, fastify, hono) needs that framework, which the
      // user has when they use it: the failure must name it, and it must be a declared peer.
      expect(result.code, `${specifier}: ${result.message}`).toBe('ERR_MODULE_NOT_FOUND')
      const missing = /Cannot find (?:package|module) '([^']+)'/.exec(result.message ?? '')?.[1]
      expect(peers, `${specifier}: ${result.message}`).toContain(missing)
    }
  })

  it('resolves the types entry of every subpath export', () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (typeof target !== 'object' || target === null) continue
      const types = (target as { types?: string }).types
      expect(types, subpath).toBeDefined()
      expect(existsSync(join(installed, types as string)), `${subpath}: ${types}`).toBe(true)
    }
  })

  it('ships no source map pointing at a source it does not ship', () => {
    const maps = filesUnder(installed).filter((f) => f.endsWith('.map'))
    const missing: string[] = []
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(map, 'utf8')) as {
        sources: string[]
        sourcesContent?: (string | null)[]
      }
      sources.forEach((source, i) => {
        if (typeof sourcesContent?.[i] === 'string') return
        if (!existsSync(resolve(dirname(map), source))) missing.push(`${map}: ${source}`)
      })
    }
    expect(missing).toEqual([])
  })
})

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}
