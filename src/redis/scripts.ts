/**
 * The Lua scripts the Redis transport runs: each is one round trip and atomic, so a batch is
 * stored whole, in one contiguous run of entries, with its index and trimming.
 *
 * Entry fields: `t` topics (JSON array), `d` data, `e` event type, `r` retry, `p` private ("1"),
 * `k` conflation key, `i` the publisher's id (absent: the event id is derived from the entry id).
 */

/** A script call, as ioredis defines it: keys, then arguments. */
export type ScriptCall = (...args: string[]) => Promise<unknown>

// Redis's clock, in ms: the same for every node, so that their own clocks need not agree.
const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`

/**
 * Appends a batch. KEYS: stream, id index. ARGV: max length ('' none), max age in ms ('' none),
 * the number of events, then per event its field count and fields. Returns the entry ids.
 *
 * The id index is a sorted set: member a publisher's id, score the milliseconds of its latest
 * entry (an id reused resumes from its latest event). It is trimmed with the stream: ids older
 * than the stream's first entry go.
 */
export const PUBLISH_SCRIPT = `
local stream, index = KEYS[1], KEYS[2]
local maxLen, maxAge = ARGV[1], ARGV[2]
local at = 4
local ids = {}
for e = 1, tonumber(ARGV[3]) do
  local count = tonumber(ARGV[at])
  local fields = {}
  local publisherId = nil
  for f = 1, count, 2 do
    local name, value = ARGV[at + f], ARGV[at + f + 1]
    fields[#fields + 1] = name
    fields[#fields + 1] = value
    if name == 'i' then publisherId = value end
  end
  at = at + count + 1
  local id
  if maxLen ~= '' then
    id = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', unpack(fields))
  else
    id = redis.call('XADD', stream, '*', unpack(fields))
  end
  ids[e] = id
  if publisherId then redis.call('ZADD', index, string.match(id, '^%d+'), publisherId) end
end
if maxAge ~= '' then
  ${NOW}
  local oldest = now - tonumber(maxAge)
  if oldest > 0 then redis.call('XTRIM', stream, 'MINID', '~', string.format('%.0f', oldest)) end
end
if redis.call('EXISTS', index) == 1 then
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if first then
    redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. string.match(first[1], '^%d+'))
  end
end
return ids
`

/**
 * Finds the entry of an event id. KEYS: stream, id index. ARGV: the event id, the entry id it
 * would derive from ('' if none). Returns the entry id, or false when it is not kept.
 */
export const RESOLVE_SCRIPT = `
local stream, index = KEYS[1], KEYS[2]
local ms = redis.call('ZSCORE', index, ARGV[1])
if ms then
  local entries = redis.call('XRANGE', stream, ms .. '-0', ms .. '-18446744073709551615')
  for k = #entries, 1, -1 do
    local fields = entries[k][2]
    for f = 1, #fields, 2 do
      if fields[f] == 'i' and fields[f + 1] == ARGV[1] then return entries[k][1] end
    end
  end
end
if ARGV[2] ~= '' then
  local entry = redis.call('XRANGE', stream, ARGV[2], ARGV[2])[1]
  if entry then
    for f = 1, #entry[2], 2 do
      if entry[2][f] == 'i' then return false end
    end
    return entry[1]
  end
end
return false
`

// The Mercure subscriptions of every node (see `subscription-store.ts`). KEYS: the leases (a
// sorted set: member a node, score when its lease runs out), the subscriptions (a hash: field
// "<node> <subscriber>", value JSON `{ subscriptions, ends }`, `ends` the stream entries, as
// field lists, that announce their end), and the stream.

/**
 * Renews a node's lease. KEYS: leases. ARGV: the node, the lease in ms. Returns whether the node
 * was not there (it was taken for dead, or Redis lost its data) and how many leases have run out.
 */
export const RENEW_LEASE_SCRIPT = `${NOW}
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return { added, redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. now) }
`

/**
 * Lists every node's subscriptions, with the stream's last entry at that moment. KEYS: the
 * subscriptions, the stream. Returns { the JSON values, that entry's id or false, its
 * publisher's id or false }.
 */
export const LIST_SUBSCRIPTIONS_SCRIPT = `
local values = redis.call('HVALS', KEYS[1])
local entry = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local entryId, publisherId = false, false
if entry then
  entryId = entry[1]
  for f = 1, #entry[2], 2 do
    if entry[2][f] == 'i' then publisherId = entry[2][f + 1] end
  end
end
return { values, entryId, publisherId }
`

// Takes one hash field out and appends the stream entries its value holds (see above). A value
// ssehub did not write, or an entry Redis refuses, is dropped, not left to fail every later
// call. ARGV[1]: the stream's max length ('' none). Returns the number of entries appended.
const END_FIELD = `
local function endField(field, value)
  redis.call('HDEL', KEYS[2], field)
  local ok, record = pcall(cjson.decode, value)
  local ends = ok and type(record) == 'table' and record.ends
  if type(ends) ~= 'table' then return 0 end
  local appended = 0
  for _, fields in ipairs(ends) do
    if type(fields) == 'table' and #fields > 0 then
      local added
      if ARGV[1] ~= '' then
        added = redis.pcall('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
      else
        added = redis.pcall('XADD', KEYS[3], '*', unpack(fields))
      end
      if type(added) == 'string' then appended = appended + 1 end
    end
  end
  return appended
end`

/**
 * Ends the subscriptions of the nodes whose lease has run out (and of any node without a lease):
 * takes them out and appends the entries that announce their end, in one step, so the end is
 * announced once and before anything the node may write again. KEYS: leases, subscriptions,
 * stream. ARGV: the stream's max length ('' none). Returns the number of entries appended.
 */
export const END_EXPIRED_SCRIPT = `${NOW}
${END_FIELD}
local leased = {}
local leases = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #leases, 2 do
  if tonumber(leases[i + 1]) < now then
    redis.call('ZREM', KEYS[1], leases[i])
  else
    leased[leases[i]] = true
  end
end
local appended = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if not leased[string.match(all[i], '^[^ ]+')] then
    appended = appended + endField(all[i], all[i + 1])
  end
end
return appended
`

/**
 * Gives a node's lease up and ends what it still holds, in one step: a node closing with
 * subscriptions open (its hub closed under its streams) leaves none behind without a lease.
 * KEYS: leases, subscriptions, stream. ARGV: the stream's max length ('' none), the node.
 * Returns the number of entries appended.
 */
export const END_NODE_SCRIPT = `${END_FIELD}
redis.call('ZREM', KEYS[1], ARGV[2])
local prefix = ARGV[2] .. ' '
local appended = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, #prefix) == prefix then
    appended = appended + endField(all[i], all[i + 1])
  end
end
return appended
`
