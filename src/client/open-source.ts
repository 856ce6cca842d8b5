/**
 * Picks the machinery under a client object: a connection shared among tabs where the runtime
 * allows it and the init does not opt out, else a connection of its own.
 */
import { openConnection } from './connection.js'
import type { ResolvedInit } from './options.js'
import { canShare, openSharedSource } from './share.js'
import type { Source, SourceListener } from './source.js'

/** Opens `url` for `listener`, shared when `init.share` and the runtime allow. */
export function openSource(url: URL, init: ResolvedInit, listener: SourceListener): Source {
  return init.share && canShare()
    ? openSharedSource(url, init, listener)
    : openConnection(url, init, listener)
}
