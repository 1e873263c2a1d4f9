-- apply-events.lua: applies a run of order and return events — customers' and guests' — each
-- atomically and at most once, in one call (a consumer sends a batch in a few such calls rather
-- than one call per event: per call, the client and Redis each pay more than an event's own work).
-- keys: 0
-- Every key of a call belongs to one shard (keys.ts): one hash slot, so it runs on Redis Cluster.
-- KEYS[1]  the shard's guest stats hash
-- KEYS[2]  the shard's hash of guest event digests already applied
-- KEYS[3]  the shard's due index (zset: customer id -> due time, epoch ms)
-- KEYS[3+j] the hash of the j-th customer event's customer (guest events take no key)
-- ARGV[1]  window length in days
-- ARGV[2]  length of the customer keys' head ("<prefix>:{s<n>}:c:"): the customer id follows it
-- then one record per event, in order, of 7 + nskus values:
--   kind    "o" / "r": a customer's order / return; "go" / "gr": a guest's
--   digest  the event's digest (16 characters: its dedupe field is "e:<digest>") followed by the
--           digest of its content (8 characters), the value the dedupe field holds
--   ts      occurredAt, epoch ms
--   lines   product lines in the event (already filtered by the business rules)
--   items   units (sum of quantities)
--   value   value in mills (sum of quantity * unit price)
--   nskus   how many stock codes follow (a customer order's distinct codes; 0 otherwise)
--   sku...  those stock codes
-- A customer's first event enters them in the due index, due at once (score 0): the next
-- placement of the shard gives them their real due time (set-segments.lua), and no customer is
-- ever missing from the index, which also lists the shard's customers for the post-refit
-- placement and the refit's sample.
-- returns one character per event, in order: "1" applied, "0" applied before (a duplicate), "2"
-- the customer was erased (forget-customer.lua left the marker field "z"): dropped, nothing written,
-- "3" its id was applied before with other content (a conflict): nothing written. A dedupe field
-- holding "1" (written before content digests were stored) has unknown content: a duplicate.
--
-- A customer event reads and writes only its customer's hash. Day buckets ("d:<day>" ->
-- "orders,lines,items,revenue,returns,returnedItems,returnedValue") hold the rolling window. A
-- bucket is kept while day >= maxDay - window + 1, where maxDay ("x") is the latest day of any
-- event of this customer: the global clock is always at or past maxDay, so dropped buckets are
-- outside every future window, and the final state is the same whatever the order the events
-- arrived in.
--
-- Cost: one HMGET and one HSET per customer event whatever its size; the dedupe field is read by
-- the HMGET and written by the HSET. An event no older than the customer's latest ("x") writes its
-- products' days without reading them: every stored p:<sku> day is <= x <= this day, so the write
-- is what a read-and-compare would decide; an older event (out of order: rare, a customer's events
-- share a partition) reads them first, with a second HMGET. A prune (rare) adds an HKEYS and an
-- HDEL. Counters are read and written back rather than HINCRBY'd, which is exact: every value stays
-- below 2^53 (see src/money.ts). Numbers are written with '%d', which Lua 5.1 formats as a C long
-- (64 bits where Redis runs): exact for every integer below 2^53, and 2-3x faster than '%.0f',
-- whose digit generation took about 6 % of Redis's CPU. Large orders go in slices: unpack() is
-- limited by Lua's C stack (~8000 values). A failure part-way leaves the events before it
-- applied: calling again with the same events is safe (each is applied at most once).
local fmt = string.format
local SLICE = 2000
local MS_PER_DAY = 86400000
local window = tonumber(ARGV[1])
local keyHead = tonumber(ARGV[2])
-- One field list and one HSET argument list serve every event of the call: filled from index 1 and
-- always read up to an explicit count (unpack(t, 1, n), loops to n), so what an earlier, longer
-- event left beyond that count is never seen. Saves building and growing two tables per event.
local fieldsBuffer, outBuffer = {}, {}

-- "0" for a duplicate, "3" for a conflict: `seen` is the dedupe value stored, `content` this event's.
local function seenOutcome(seen, content)
  if seen == content or seen == '1' then return '0' end
  return '3'
end

local function applyGuest(digest, isOrder, items, value)
  local field, content = string.sub(digest, 1, 16), string.sub(digest, 17)
  if redis.call('HSETNX', KEYS[2], field, content) == 0 then
    return seenOutcome(redis.call('HGET', KEYS[2], field), content)
  end
  if isOrder then
    redis.call('HINCRBY', KEYS[1], 'orders', 1)
    redis.call('HINCRBY', KEYS[1], 'items', items)
    redis.call('HINCRBY', KEYS[1], 'revenue', value)
  else
    redis.call('HINCRBY', KEYS[1], 'returns', 1)
    redis.call('HINCRBY', KEYS[1], 'returnedItems', items)
    redis.call('HINCRBY', KEYS[1], 'returnedValue', value)
  end
  return '1'
end

-- The event's stock codes are ARGV[skuFrom .. skuTo].
local function applyCustomer(key, digest, isOrder, tsText, lines, items, value, skuFrom, skuTo)
  local ts = tonumber(tsText)
  local day = math.floor(ts / MS_PER_DAY)
  local dayText = fmt('%d', day)
  local dedupeField, content = 'e:' .. string.sub(digest, 1, 16), string.sub(digest, 17)
  local bucketField = 'd:' .. dayText
  local fields = fieldsBuffer
  local skuBase
  fields[1] = dedupeField
  if isOrder then
    fields[2], fields[3], fields[4], fields[5], fields[6], fields[7] = 'o', 'n', 'i', 'r', 'f', 'l'
    fields[8], fields[9], fields[10], fields[11] = 'x', 'dm', bucketField, 'z'
    skuBase = 11
  else
    fields[2], fields[3], fields[4], fields[5] = 'ro', 'rq', 'rv', 'x'
    fields[6], fields[7], fields[8] = 'dm', bucketField, 'z'
    skuBase = 8
  end
  local nf = skuBase
  for i = skuFrom, skuTo do
    nf = nf + 1
    fields[nf] = 'p:' .. ARGV[i]
  end
  -- The scalars first; the products' days only when this event is older than the latest one.
  local current = redis.call('HMGET', key, unpack(fields, 1, skuBase))
  if current[skuBase] then return '2' end
  if current[1] then return seenOutcome(current[1], content) end
  local latestText = current[isOrder and 8 or 5]
  if not latestText then redis.call('ZADD', KEYS[3], 'NX', 0, string.sub(key, keyHead + 1)) end
  local latest = tonumber(latestText or '-1')
  local readProducts = isOrder and nf > skuBase and day < latest
  if readProducts then
    for s = skuBase + 1, nf, SLICE do
      local e = math.min(s + SLICE - 1, nf)
      local part = redis.call('HMGET', key, unpack(fields, s, e))
      for j = s, e do current[j] = part[j - s + 1] end
    end
  end

  local out = outBuffer
  out[1], out[2] = dedupeField, content
  local n = 2
  local maxDay, oldest, bucket
  if isOrder then
    out[3] = 'o'; out[4] = fmt('%d', tonumber(current[2] or 0) + 1)
    out[5] = 'n'; out[6] = fmt('%d', tonumber(current[3] or 0) + lines)
    out[7] = 'i'; out[8] = fmt('%d', tonumber(current[4] or 0) + items)
    out[9] = 'r'; out[10] = fmt('%d', tonumber(current[5] or 0) + value)
    n = 10
    local first, last = current[6], current[7]
    if not first or ts < tonumber(first) then out[n + 1] = 'f'; out[n + 2] = tsText; n = n + 2 end
    if not last or ts > tonumber(last) then out[n + 1] = 'l'; out[n + 2] = tsText; n = n + 2 end
    maxDay, oldest, bucket = tonumber(current[8] or '-1'), current[9], current[10]
    if readProducts then
      for i = skuBase + 1, nf do
        local seen = current[i]
        if not seen or tonumber(seen) < day then out[n + 1] = fields[i]; out[n + 2] = dayText; n = n + 2 end
      end
    else
      for i = skuBase + 1, nf do out[n + 1] = fields[i]; out[n + 2] = dayText; n = n + 2 end
    end
  else
    out[3] = 'ro'; out[4] = fmt('%d', tonumber(current[2] or 0) + 1)
    out[5] = 'rq'; out[6] = fmt('%d', tonumber(current[3] or 0) + items)
    out[7] = 'rv'; out[8] = fmt('%d', tonumber(current[4] or 0) + value)
    n = 8
    maxDay, oldest, bucket = tonumber(current[5] or '-1'), current[6], current[7]
  end

  if day > maxDay then
    maxDay = day
    out[n + 1] = 'x'; out[n + 2] = dayText; n = n + 2
  end
  local cutoff = maxDay - window + 1

  if day >= cutoff then
    local b1, b2, b3, b4, b5, b6, b7 = 0, 0, 0, 0, 0, 0, 0
    if bucket then
      local s1, s2, s3, s4, s5, s6, s7 = string.match(bucket, '^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$')
      b1, b2, b3, b4 = tonumber(s1), tonumber(s2), tonumber(s3), tonumber(s4)
      b5, b6, b7 = tonumber(s5), tonumber(s6), tonumber(s7)
    end
    if isOrder then
      b1, b2, b3, b4 = b1 + 1, b2 + lines, b3 + items, b4 + value
    else
      b5, b6, b7 = b5 + 1, b6 + items, b7 + value
    end
    out[n + 1] = bucketField
    out[n + 2] = fmt('%d,%d,%d,%d,%d,%d,%d', b1, b2, b3, b4, b5, b6, b7)
    n = n + 2
    if not oldest or day < tonumber(oldest) then
      oldest = dayText
      out[n + 1] = 'dm'; out[n + 2] = dayText; n = n + 2
    end
  end
  if n <= SLICE then
    redis.call('HSET', key, unpack(out, 1, n))
  else
    for s = 1, n, SLICE do redis.call('HSET', key, unpack(out, s, math.min(s + SLICE - 1, n))) end
  end

  -- Drop buckets that left the window; "dm" (oldest bucket day) makes this rare and cheap.
  if oldest and tonumber(oldest) < cutoff then
    local stale = {}
    local keep = nil
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, 2) == 'd:' then
        local d = tonumber(string.sub(f, 3))
        if d < cutoff then
          stale[#stale + 1] = f
        elseif not keep or d < keep then
          keep = d
        end
      end
    end
    for s = 1, #stale, SLICE do redis.call('HDEL', key, unpack(stale, s, math.min(s + SLICE - 1, #stale))) end
    if keep then redis.call('HSET', key, 'dm', fmt('%d', keep)) else redis.call('HDEL', key, 'dm') end
  end
  return '1'
end

local results = {}
local nextKey = 4
local a = 3
local nargs = #ARGV
while a <= nargs do
  local kind = ARGV[a]
  local nskus = tonumber(ARGV[a + 6])
  local skuFrom = a + 7
  local skuTo = skuFrom + nskus - 1
  local isOrder = kind == 'o' or kind == 'go'
  if kind == 'o' or kind == 'r' then
    results[#results + 1] = applyCustomer(KEYS[nextKey], ARGV[a + 1], isOrder, ARGV[a + 2],
      tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), skuFrom, skuTo)
    nextKey = nextKey + 1
  elseif kind == 'go' or kind == 'gr' then
    results[#results + 1] = applyGuest(ARGV[a + 1], isOrder, ARGV[a + 4], ARGV[a + 5])
  else
    return redis.error_reply('apply-events: unknown event kind ' .. tostring(kind) .. ' at argument ' .. a)
  end
  a = skuTo + 1
end
return table.concat(results)
