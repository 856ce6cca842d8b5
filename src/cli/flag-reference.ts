/**
 * The README's reference of `ssehub serve`'s flags, made from the help text and the flag table,
 * so that the two cannot drift apart: `npm run docs:flags` writes it, a test checks it.
 */
import { COMMAND_FLAGS, configKeyOf, type FlagTable } from './flags.js'

/** The README comments the reference sits between. */
export const FLAG_REFERENCE_MARKERS = {
  start: '<!-- serve-flags:start (npm run docs:flags writes this) -->',
  end: '<!-- serve-flags:end -->',
} as const

const MARKDOWN_ESCAPES: Readonly<Record<string, string>> = {
  '|': '\\|',
  '*': '\\*',
  '<': '&lt;',
  '>': '&gt;',
}

/** One flag as the help describes it. */
export interface HelpEntry {
  section: string
  flag: string
  argument: string
  description: string[]
}

// `  -h, --help   this help`, `  --port <n>   TCP port …`, or a long flag alone on its line.
const FLAG_LINE = /^ {2}(?:-[a-zA-Z], )?--([a-z0-9-]+)(?: (<[^>]+>))?(?: +(\S.*))?$/
const CONTINUATION = /^ {20,}(\S.*)$/
const SECTION = /^(\S.*):$/

/**
 * The flags of a help text, in its order, with their section and description.
 *
 * @throws {Error} when a flag's description cannot be told from the help's layout.
 */
export function helpEntries(help: string): HelpEntry[] {
  const entries: HelpEntry[] = []
  let section = 'Options'
  let current: HelpEntry | undefined
  for (const line of help.split('\n')) {
    const heading = SECTION.exec(line)
    const flag = FLAG_LINE.exec(line)
    const more = CONTINUATION.exec(line)
    if (heading !== null && !line.startsWith('Usage')) {
      section = (heading[1] as string).replace(/ \(.*\)$/, '')
      current = undefined
    } else if (flag !== null) {
      current = {
        section,
        flag: flag[1] as string,
        argument: flag[2] ?? '',
        description: flag[3] === undefined ? [] : [flag[3]],
      }
      entries.push(current)
    } else if (more !== null && current !== undefined) {
      current.description.push(more[1] as string)
    } else {
      current = undefined
    }
  }
  return entries
}

/**
 * The Markdown reference: one table per section of the help, each flag with its config file key
 * and environment variable.
 *
 * @throws {Error} when a flag of the table is missing from the help, or the other way round.
 */
export function flagReference(help: string, table: FlagTable): string {
  const entries = helpEntries(help)
  const inHelp = new Set(entries.map((e) => e.flag))
  const undocumented = Object.keys(table).filter((f) => !inHelp.has(f))
  const unknown = [...inHelp].filter((f) => !Object.hasOwn(table, f))
  if (undocumented.length > 0 || unknown.length > 0) {
    throw new Error(
      `the help and the flag table differ: not in the help ${JSON.stringify(undocumented)}, not in the table ${JSON.stringify(unknown)}`,
    )
  }
  const sections: string[] = []
  let section: string | undefined
  for (const entry of entries) {
    if (entry.section !== section) {
      section = entry.section
      sections.push(
        `\n**${section}**\n\n| flag | config key | env | what |\n| --- | --- | --- | --- |`,
      )
    }
    const spec = table[entry.flag]
    const key = COMMAND_FLAGS.has(entry.flag) ? '' : `\`${configKeyOf(entry.flag)}\``
    const env = spec?.env === undefined ? '' : `\`${spec.env}\``
    const flag = `\`--${entry.flag}${entry.argument === '' ? '' : ` ${entry.argument}`}\``
    // Escaped, so that `RS*/ES*` is not emphasis and `<url>` not a tag.
    const what = entry.description.join(' ').replace(/[|*<>]/g, (c) => MARKDOWN_ESCAPES[c] ?? c)
    sections[sections.length - 1] += `\n| ${flag} | ${key} | ${env} | ${what} |`
  }
  return `${sections.join('\n').trim()}\n`
}

/** `readme` with the reference between its markers replaced by `reference`. */
export function withFlagReference(readme: string, reference: string): string {
  const start = readme.indexOf(FLAG_REFERENCE_MARKERS.start)
  const end = readme.indexOf(FLAG_REFERENCE_MARKERS.end)
  if (start === -1 || end < start) throw new Error('the README has no serve-flags markers')
  return `${readme.slice(0, start + FLAG_REFERENCE_MARKERS.start.length)}\n\n${reference}\n${readme.slice(end)}`
}
