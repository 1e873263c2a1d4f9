-- apply-customer-event.lua: applies one order or return event to a customer's state hash,
-- atomically and at most once per event.
-- keys: 1
-- KEYS[1]  the customer's hash
-- ARGV[1]  dedupe field for the event ("e:<digest>")
-- ARGV[2]  "o" for an order, "r" for a return
-- ARGV[3]  occurredAt, epoch ms
-- ARGV[4]  occurredAt's UTC day number (floor(ms / 86400000))
-- ARGV[5]  window length in days
-- ARGV[6]  product lines in the event (already filtered by the business rules)
-- ARGV[7]  units (sum of quantities)
-- ARGV[8]  value in mills (sum of quantity * unit price)
-- ARGV[9..] the event's distinct stock codes (orders only)
-- returns 1 when applied, 0 when the event had been applied before
--
-- Day buckets ("d:<day>" -> "orders,lines,items,revenue,returns,returnedItems,returnedValue")
-- hold the rolling window. A bucket is kept while day >= maxDay - window + 1, where maxDay ("x")
-- is the latest day of any event of this customer: the global clock is always at or past maxDay,
-- so dropped buckets are outside every future window, and the final state is the same whatever
-- the order the events arrived in.
--
-- Cost: one HSETNX, one HMGET and one HSET per event whatever its size (a prune, rare, adds an
-- HKEYS and an HDEL). Counters are read and written back rather than HINCRBY'd, which is exact:
-- every value stays below 2^53 (see src/money.ts).
local key = KEYS[1]
if redis.call('HSETNX', key, ARGV[1], 1) == 0 then
  return 0
end

local isOrder = ARGV[2] == 'o'
local ts = tonumber(ARGV[3])
local day = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local lines = tonumber(ARGV[6])
local items = tonumber(ARGV[7])
local value = tonumber(ARGV[8])
local bucketField = 'd:' .. ARGV[4]

-- %.0f prints integers below 2^53 exactly (tostring would switch to exponent notation).
local function int(x) return string.format('%.0f', x) end

-- unpack() is limited by Lua's C stack (~8000 values): large orders go in slices.
local SLICE = 2000
local function hmget(names)
  local values = {}
  for s = 1, #names, SLICE do
    local part = redis.call('HMGET', key, unpack(names, s, math.min(s + SLICE - 1, #names)))
    for j = 1, #names - s + 1 do
      if j > SLICE then break end
      values[s + j - 1] = part[j]
    end
  end
  return values
end
local function sliced(command, args)
  for s = 1, #args, SLICE do redis.call(command, key, unpack(args, s, math.min(s + SLICE - 1, #args))) end
end

local fields
if isOrder then
  fields = { 'o', 'n', 'i', 'r', 'f', 'l', 'x', 'dm', bucketField }
else
  fields = { 'ro', 'rq', 'rv', 'x', 'dm', bucketField }
end
local skuBase = #fields
for i = 9, #ARGV do fields[#fields + 1] = 'p:' .. ARGV[i] end
local current = hmget(fields)
local function num(i) return tonumber(current[i] or '0') end

local out = {}
local function put(field, v) out[#out + 1] = field; out[#out + 1] = v end

local maxDay, oldest, bucket
if isOrder then
  put('o', int(num(1) + 1))
  put('n', int(num(2) + lines))
  put('i', int(num(3) + items))
  put('r', int(num(4) + value))
  if not current[5] or ts < tonumber(current[5]) then put('f', ARGV[3]) end
  if not current[6] or ts > tonumber(current[6]) then put('l', ARGV[3]) end
  maxDay, oldest, bucket = tonumber(current[7] or '-1'), current[8], current[9]
  for i = skuBase + 1, #fields do
    local seen = current[i]
    if not seen or tonumber(seen) < day then put(fields[i], ARGV[4]) end
  end
else
  put('ro', int(num(1) + 1))
  put('rq', int(num(2) + items))
  put('rv', int(num(3) + value))
  maxDay, oldest, bucket = tonumber(current[4] or '-1'), current[5], current[6]
end

if day > maxDay then
  maxDay = day
  put('x', ARGV[4])
end
local cutoff = maxDay - window + 1

if day >= cutoff then
  local b = { 0, 0, 0, 0, 0, 0, 0 }
  if bucket then
    local j = 1
    for v in string.gmatch(bucket, '[^,]+') do
      b[j] = tonumber(v)
      j = j + 1
    end
  end
  if isOrder then
    b[1] = b[1] + 1
    b[2] = b[2] + lines
    b[3] = b[3] + items
    b[4] = b[4] + value
  else
    b[5] = b[5] + 1
    b[6] = b[6] + items
    b[7] = b[7] + value
  end
  for j = 1, 7 do b[j] = int(b[j]) end
  put(bucketField, table.concat(b, ','))
  if not oldest or day < tonumber(oldest) then
    oldest = ARGV[4]
    put('dm', ARGV[4])
  end
end
sliced('HSET', out)

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
  if #stale > 0 then sliced('HDEL', stale) end
  if keep then redis.call('HSET', key, 'dm', int(keep)) else redis.call('HDEL', key, 'dm') end
end
return 1
