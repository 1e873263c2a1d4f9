-- apply-events.lua: applies a run of order and return events — customers' and guests' — each
-- atomically and at most once, in one call (a consumer sends a batch in a few such calls rather
-- than one call per event: per call, the client and Redis each pay more than an event's own work).
-- keys: 0
-- Every key of a call belongs to one shard (keys.ts): one hash slot, so it runs on Redis Cluster.
-- KEYS[1]  the shard's guest stats hash
-- KEYS[2]  the shard's hash of guest event digests already applied
-- KEYS[3]  the shard's due index (zset: customer id -> due time, epoch ms)
-- KEYS[2+2j], KEYS[3+2j]  the j-th customer event's customer hash and marks hash (guest events take
--          no keys)
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
-- A customer's first event enters them in the due index, due at once: with a score below 1 (epoch
-- ms), their first event's time / 10^13, which is below every "now" (state-store.ts,
-- FIRST_EVENT_DUE_BELOW_MS). The next placement of the shard gives them their real due time
-- (set-segments.lua), and no customer is ever missing from the index, which also lists the shard's
-- customers for the post-refit placement and the refit's sample. A score of their own, not one 0
-- for all: members of equal score are ordered by comparing their ids, one more memory read per
-- step of every insert and move in the sorted set (the ZADD cost a third less per call in
-- bench/ingest's micro run, 2026-12-05); a state written with 0 reads the same.
-- returns one character per event, in order: "1" applied, "0" applied before (a duplicate), "2"
-- the customer was erased (forget-customer.lua left the marker field "z"): dropped, nothing written,
-- "3" its id was applied before with other content (a conflict): nothing written. A dedupe field
-- holding "1" (written before content digests were stored) has unknown content: a duplicate.
--
-- A customer's state is two hashes (customer-state.ts). The customer hash holds what placing them
-- reads: lifetime totals, first and last purchase, the latest day of any event ("x"), and day
-- buckets ("d:<day>" -> "orders,lines,items,revenue,returns,returnedItems,returnedValue,products",
-- products = how many of the customer's products were last bought that day). The marks hash holds
-- what only this script needs to read: the events applied ("e:<digest>") and each product's latest
-- purchase day ("p:<sku>"). A bucket is kept while day >= maxDay - window + 1, where maxDay is "x":
-- the global clock is always at or past maxDay, so dropped buckets are outside every future window,
-- and the final state is the same whatever the order the events arrived in. A product moving to a
-- later day leaves its old day's bucket count (when that bucket is still kept) and enters the new
-- one's: the products bought inside any window the state can still be read for are the sum of the
-- kept buckets' counts, so placements never read the per-product fields.
--
-- Cost: per customer event one HMGET of each hash and one HSET of each (the marks' HMGET reads the
-- dedupe field and the event's products' days together); a product last bought on another kept day
-- adds one HMGET of those days' buckets. A prune (rare) adds an HKEYS and an HDEL, over the small
-- customer hash. Counters are read and written back rather than HINCRBY'd, which is exact: every
-- value stays below 2^53 (see src/money.ts). Numbers are written with '%d', which Lua 5.1 formats as
-- a C long (64 bits where Redis runs): exact for every integer below 2^53, and 2-3x faster than
-- '%.0f'. Large orders go in slices: unpack() is limited by Lua's C stack (~8000 values). A failure
-- part-way leaves the events before it applied: calling again with the same events is safe (each is
-- applied at most once).
local fmt, sub, match, floor = string.format, string.sub, string.match, math.floor
local SLICE = 2000
local MS_PER_DAY = 86400000
local BUCKET = '^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$'
local window = tonumber(ARGV[1])
local keyHead = tonumber(ARGV[2])
-- One field list and one HSET argument list of each kind serve every event of the call: filled
-- from index 1 and always read up to an explicit count (unpack(t, 1, n), loops to n), so what an
-- earlier, longer event left beyond that count is never seen.
local fieldsBuffer, outBuffer, marksBuffer, marksOutBuffer = {}, {}, {}, {}

-- "0" for a duplicate, "3" for a conflict: `seen` is the dedupe value stored, `content` this event's.
local function seenOutcome(seen, content)
  if seen == content or seen == '1' then return '0' end
  return '3'
end

local function applyGuest(digest, isOrder, items, value)
  local field, content = sub(digest, 1, 16), sub(digest, 17)
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

-- HMGET of fields[from .. to] in slices, into values[from .. to].
local function hmgetInto(key, fields, from, to, values)
  for s = from, to, SLICE do
    local e = math.min(s + SLICE - 1, to)
    local part = redis.call('HMGET', key, unpack(fields, s, e))
    for j = s, e do values[j] = part[j - s + 1] end
  end
end

local function hsetAll(key, out, n)
  for s = 1, n, SLICE do redis.call('HSET', key, unpack(out, s, math.min(s + SLICE - 1, n))) end
end

-- The event's stock codes are ARGV[skuFrom .. skuTo].
local function applyCustomer(key, marksKey, digest, isOrder, tsText, lines, items, value, skuFrom, skuTo)
  local ts = tonumber(tsText)
  local day = floor(ts / MS_PER_DAY)
  local dayText = fmt('%d', day)
  local dedupeField, content = 'e:' .. sub(digest, 1, 16), sub(digest, 17)
  local bucketField = 'd:' .. dayText
  local fields = fieldsBuffer
  local nf
  if isOrder then
    fields[1], fields[2], fields[3], fields[4], fields[5], fields[6] = 'o', 'n', 'i', 'r', 'f', 'l'
    fields[7], fields[8], fields[9], fields[10] = 'x', 'dm', bucketField, 'z'
    nf = 10
  else
    fields[1], fields[2], fields[3], fields[4], fields[5], fields[6] = 'ro', 'rq', 'rv', 'x', 'dm', bucketField
    fields[7] = 'z'
    nf = 7
  end
  local current = redis.call('HMGET', key, unpack(fields, 1, nf))
  if current[nf] then return '2' end

  -- The dedupe mark and the event's products' latest days, in one read of the marks hash.
  local marks = marksBuffer
  marks[1] = dedupeField
  local nm = 1
  for i = skuFrom, skuTo do
    nm = nm + 1
    marks[nm] = 'p:' .. ARGV[i]
  end
  local seenDays
  if nm <= SLICE then
    seenDays = redis.call('HMGET', marksKey, unpack(marks, 1, nm))
  else
    seenDays = {}
    hmgetInto(marksKey, marks, 1, nm, seenDays)
  end
  if seenDays[1] then return seenOutcome(seenDays[1], content) end

  local latestText = current[isOrder and 7 or 4]
  if not latestText then redis.call('ZADD', KEYS[3], 'NX', ts / 1e13, sub(key, keyHead + 1)) end
  local maxDay = tonumber(latestText or '-1')
  local wroteMax = false
  if day > maxDay then
    maxDay = day
    wroteMax = true
  end
  local cutoff = maxDay - window + 1

  local out = outBuffer
  local n
  local oldest, bucket
  local markOut = marksOutBuffer
  markOut[1], markOut[2] = dedupeField, content
  local nmo = 2
  -- products whose latest day becomes this day, and per earlier kept day how many leave it
  local gained, lost, lostDays = 0, nil, 0
  if isOrder then
    out[1] = 'o'; out[2] = fmt('%d', tonumber(current[1] or 0) + 1)
    out[3] = 'n'; out[4] = fmt('%d', tonumber(current[2] or 0) + lines)
    out[5] = 'i'; out[6] = fmt('%d', tonumber(current[3] or 0) + items)
    out[7] = 'r'; out[8] = fmt('%d', tonumber(current[4] or 0) + value)
    n = 8
    local first, last = current[5], current[6]
    if not first or ts < tonumber(first) then out[n + 1] = 'f'; out[n + 2] = tsText; n = n + 2 end
    if not last or ts > tonumber(last) then out[n + 1] = 'l'; out[n + 2] = tsText; n = n + 2 end
    oldest, bucket = current[8], current[9]
    for i = 2, nm do
      local seen = seenDays[i]
      local seenDay = seen and tonumber(seen)
      if not seenDay or seenDay < day then
        markOut[nmo + 1] = marks[i]; markOut[nmo + 2] = dayText; nmo = nmo + 2
        gained = gained + 1
        if seenDay and seenDay >= cutoff then
          if not lost then lost = {} end
          local c = lost[seenDay]
          if c then
            lost[seenDay] = c + 1
          else
            lost[seenDay] = 1
            lostDays = lostDays + 1
          end
        end
      end
    end
  else
    out[1] = 'ro'; out[2] = fmt('%d', tonumber(current[1] or 0) + 1)
    out[3] = 'rq'; out[4] = fmt('%d', tonumber(current[2] or 0) + items)
    out[5] = 'rv'; out[6] = fmt('%d', tonumber(current[3] or 0) + value)
    n = 6
    oldest, bucket = current[5], current[6]
  end
  if wroteMax then out[n + 1] = 'x'; out[n + 2] = dayText; n = n + 2 end

  if day >= cutoff then
    local b1, b2, b3, b4, b5, b6, b7, b8 = 0, 0, 0, 0, 0, 0, 0, 0
    if bucket then
      local s1, s2, s3, s4, s5, s6, s7, s8 = match(bucket, BUCKET)
      b1, b2, b3, b4 = tonumber(s1), tonumber(s2), tonumber(s3), tonumber(s4)
      b5, b6, b7, b8 = tonumber(s5), tonumber(s6), tonumber(s7), tonumber(s8)
    end
    if isOrder then
      b1, b2, b3, b4, b8 = b1 + 1, b2 + lines, b3 + items, b4 + value, b8 + gained
    else
      b5, b6, b7 = b5 + 1, b6 + items, b7 + value
    end
    out[n + 1] = bucketField
    out[n + 2] = fmt('%d,%d,%d,%d,%d,%d,%d,%d', b1, b2, b3, b4, b5, b6, b7, b8)
    n = n + 2
    if not oldest or day < tonumber(oldest) then
      oldest = dayText
      out[n + 1] = 'dm'; out[n + 2] = dayText; n = n + 2
    end
  end

  -- The kept buckets of the days products left: their product counts go down.
  if lost then
    local lostFields, lf = {}, 0
    for d in pairs(lost) do
      lf = lf + 1
      lostFields[lf] = 'd:' .. fmt('%d', d)
    end
    local buckets = redis.call('HMGET', key, unpack(lostFields, 1, lf))
    for j = 1, lf do
      local b = buckets[j]
      if b then
        local s1, s2, s3, s4, s5, s6, s7, s8 = match(b, BUCKET)
        local d = tonumber(sub(lostFields[j], 3))
        out[n + 1] = lostFields[j]
        out[n + 2] = s1 .. ',' .. s2 .. ',' .. s3 .. ',' .. s4 .. ',' .. s5 .. ',' .. s6 .. ',' .. s7 .. ','
          .. fmt('%d', tonumber(s8) - lost[d])
        n = n + 2
      end
    end
  end
  hsetAll(key, out, n)
  hsetAll(marksKey, markOut, nmo)

  -- Drop buckets that left the window; "dm" (oldest bucket day) makes this rare and cheap.
  if oldest and tonumber(oldest) < cutoff then
    local stale = {}
    local keep = nil
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if sub(f, 1, 2) == 'd:' then
        local d = tonumber(sub(f, 3))
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
    results[#results + 1] = applyCustomer(KEYS[nextKey], KEYS[nextKey + 1], ARGV[a + 1], isOrder, ARGV[a + 2],
      tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), skuFrom, skuTo)
    nextKey = nextKey + 2
  elseif kind == 'go' or kind == 'gr' then
    results[#results + 1] = applyGuest(ARGV[a + 1], isOrder, ARGV[a + 4], ARGV[a + 5])
  else
    return redis.error_reply('apply-events: unknown event kind ' .. tostring(kind) .. ' at argument ' .. a)
  end
  a = skuTo + 1
end
return table.concat(results)
