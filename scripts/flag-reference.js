// Writes the README's reference of `ssehub serve`'s flags from the help text and the flag
// table (src/cli/flag-reference.ts). Run after a build: npm run docs:flags
import { readFileSync, writeFileSync } from 'node:fs'
import { flagReference, withFlagReference } from '../dist/cli/flag-reference.js'
import { SERVE_FLAGS, SERVE_HELP } from '../dist/cli/serve.js'

const path = new URL('../README.md', import.meta.url)
const readme = readFileSync(path, 'utf8')
writeFileSync(path, withFlagReference(readme, flagReference(SERVE_HELP, SERVE_FLAGS)))
