/**
 * Who may subscribe to what on `GET /events`: the check the app injects into the events route.
 * The HTTP layer knows only this contract; the app builds the check (tokens, public topics, an
 * embedder's hook).
 */
import { SseError } from '../errors.js'
import type { HubRequest } from './types.js'

/** A decision on one subscription to `GET /events`, as a check may answer it. */
export interface EventsAccess {
  /** Whether the stream may open; `false` is answered 403 `ERR_SSE_FORBIDDEN`. */
  readonly allow: boolean
  /**
   * When the stream must end (ms since the epoch): the token's or the session's expiry. The
   * stream is closed then, as Mercure closes a subscriber's at its token's `exp`.
   * @defaultValue never
   */
  readonly expiresAt?: number | undefined
  /**
   * Topics of the subscription whose private updates (Mercure's `private`) the stream receives
   * too: an update marked private goes to it when one of its topics is among them. Topics the
   * subscription did not ask for are ignored.
   * @defaultValue none
   */
  readonly privateTopics?: readonly string[] | undefined
}

/** An allowed subscription, as the events route applies it. */
export interface EventsGrant {
  /** When the stream must end (ms since the epoch); `undefined`: never. */
  readonly expiresAt: number | undefined
  /** Topics whose private updates the stream receives; empty: none. */
  readonly privateTopics: ReadonlySet<string>
}

const NO_PRIVATE_TOPICS: ReadonlySet<string> = new Set()
/** An `expiresAt` below this (1973 in ms, the year 5138 in seconds) was given in seconds. */
const SECONDS_BELOW = 1e11

/**
 * Decides whether `request` may subscribe to `topics`: `true` or `{ allow: true }` lets the
 * stream open, anything else is refused with 403. To answer 401 (no or bad credentials) throw
 * `new SseError('ERR_SSE_UNAUTHORIZED', why)`; its message is the answer's body. Any other
 * error is answered 500 and logged. Called before anything is subscribed or replayed.
 *
 * @example
 * const authorize: EventsAuthorizer = async (request, topics) => {
 *   const user = await sessionUser(request.header('cookie'))
 *   return topics.every((topic) => topic === `/users/${user}/notifications`)
 * }
 */
export type EventsAuthorizer = (
  request: HubRequest,
  topics: readonly string[],
) => boolean | EventsAccess | Promise<boolean | EventsAccess>

/**
 * Runs `authorize` and reads its answer, failing closed: only `true` or `{ allow: true }` open.
 *
 * @throws {SseError} `ERR_SSE_FORBIDDEN` when refused, `ERR_SSE_TOKEN_EXPIRED` when allowed
 *   only until a time already past; whatever `authorize` throws.
 * @throws {TypeError} for an `expiresAt` that is not a number or is in seconds, or
 *   `privateTopics` that are not strings.
 */
export async function checkEventsAccess(
  authorize: EventsAuthorizer,
  request: HubRequest,
  topics: readonly string[],
): Promise<EventsGrant> {
  const access = await authorize(request, topics)
  const allowed =
    access === true || (typeof access === 'object' && access !== null && access.allow === true)
  if (!allowed) {
    throw new SseError('ERR_SSE_FORBIDDEN', 'this client may not subscribe to these topics')
  }
  if (access === true) return { expiresAt: undefined, privateTopics: NO_PRIVATE_TOPICS }
  const { expiresAt, privateTopics } = access
  if (expiresAt !== undefined) {
    if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
      throw new TypeError('an EventsAccess `expiresAt` must be a number of ms since the epoch')
    }
    // Before 1973 in ms, but now or soon in seconds: a JWT's `exp` passed on as it is. Said so,
    // rather than answering every subscriber that its credential has expired.
    if (expiresAt > 0 && expiresAt < SECONDS_BELOW) {
      throw new TypeError(
        `an EventsAccess \`expiresAt\` is in ms since the epoch; ${expiresAt} looks like seconds (a JWT's \`exp\`): multiply it by 1000`,
      )
    }
    if (expiresAt <= Date.now()) {
      throw new SseError('ERR_SSE_TOKEN_EXPIRED', 'the credential of this subscription has expired')
    }
  }
  if (privateTopics === undefined) return { expiresAt, privateTopics: NO_PRIVATE_TOPICS }
  if (!Array.isArray(privateTopics)) {
    throw new TypeError('an EventsAccess `privateTopics` must be an array of topics')
  }
  // Only the subscription's own topics are kept, as the token check grants its own: a hook
  // answering with every topic a user may see (thousands) would otherwise have each stream hold
  // its own copy of them all.
  const subscribed = new Set(topics)
  const kept = new Set<string>()
  for (const topic of privateTopics as readonly unknown[]) {
    if (typeof topic !== 'string') {
      throw new TypeError('an EventsAccess `privateTopics` must be an array of topics')
    }
    if (subscribed.has(topic)) kept.add(topic)
  }
  return { expiresAt, privateTopics: kept.size === 0 ? NO_PRIVATE_TOPICS : kept }
}
