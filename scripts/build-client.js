// Bundles src/client/ into dist/ssehub-client.js: the one ES module the hub serves to pages at
// GET /ssehub-client.js (EventSource, events, subscribe), for a plain <script type="module">.
// Run by `npm run build`, after tsc.
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: [new URL('../src/client/index.ts', import.meta.url).pathname],
  outfile: new URL('../dist/ssehub-client.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // The browsers with fetch streams, EventTarget subclasses and private class fields.
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  banner: { js: `/*! ssehub client ${version}, MIT */` },
  logLevel: 'warning',
})
