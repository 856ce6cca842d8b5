/**
 * Which paths a hub mounted inside another app answers, for the framework adapters.
 */

/** The Mercure hub's path (the protocol fixes it). */
const MERCURE_PATH = '/.well-known/mercure'

/** Options every framework adapter takes. `undefined` is the default. */
export interface MountOptions {
  /**
   * Whether to mount the Mercure hub (`/.well-known/mercure` and its subscriptions API) beside
   * `/events` and `/publish`. @defaultValue true
   */
  mercure?: boolean | undefined
}

/** The exact paths a mounted hub answers; Mercure's subscriptions lie below its path. */
export function mountedPaths(options: MountOptions): string[] {
  return options.mercure === false ? ['/events', '/publish'] : ['/events', '/publish', MERCURE_PATH]
}

/**
 * Whether `path` (no query) is the hub's: `/events`, `/publish`, and with Mercure its path and
 * everything below it. Every other path is left to the host app's own routes.
 */
export function isHubPath(path: string, options: MountOptions): boolean {
  if (path === '/events' || path === '/publish') return true
  if (options.mercure === false || !path.startsWith(MERCURE_PATH)) return false
  return path.length === MERCURE_PATH.length || path[MERCURE_PATH.length] === '/'
}

/** The path of a request target (`/events?topic=a` → `/events`). */
export function pathOf(target: string): string {
  const query = target.indexOf('?')
  return query === -1 ? target : target.slice(0, query)
}

/**
 * Checks a `basePath` option: `''` or `/` (the root, the default) or a path such as `/hub`.
 *
 * @throws {TypeError} naming the option and what it must be.
 */
export function resolveBasePath(value: string | undefined): string {
  if (value === undefined || value === '' || value === '/') return ''
  if (typeof value !== 'string' || !/^\/[^?#]*[^/?#]$/.test(value)) {
    throw new TypeError(
      `\`basePath\` must start with "/" and not end with one (such as "/hub"), got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** `path` below `basePath` (`/hub/events` under `/hub` → `/events`); `undefined` outside it. */
export function underBasePath(path: string, basePath: string): string | undefined {
  if (basePath === '') return path
  if (!path.startsWith(basePath)) return undefined
  const rest = path.slice(basePath.length)
  if (rest === '') return '/'
  return rest.startsWith('/') ? rest : undefined
}
