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
-- ARGV[9..] the event's stock codes (orders only)
-- returns 1 when applied, 0 when the event had been applied before
--
-- Day buckets ("d:<day>" -> "orders,lines,items,revenue,returns,returnedItems,returnedValue")
-- hold the rolling window. A bucket is kept while day >= maxDay - window + 1, where maxDay ("x")
-- is the latest day of any event of this customer: the global clock is always at or past maxDay,
-- so dropped buckets are outside every future window, and the final state is the same whatever
-- the order the events arrived in.
local key = KEYS[1]
if redis.call('HSETNX', key, ARGV[1], 1) == 0 then
  return 0
end

local isOrder = ARGV[2] == 'o'
local ts = tonumber(ARGV[3])
local day = tonumber(ARGV[4])
local window = tonumber(ARGV[5])

if isOrder then
  redis.call('HINCRBY', key, 'o', 1)
  redis.call('HINCRBY', key, 'n', ARGV[6])
  redis.call('HINCRBY', key, 'i', ARGV[7])
  redis.call('HINCRBY', key, 'r', ARGV[8])
  local first = redis.call('HGET', key, 'f')
  if not first or ts < tonumber(first) then redis.call('HSET', key, 'f', ARGV[3]) end
  local last = redis.call('HGET', key, 'l')
  if not last or ts > tonumber(last) then redis.call('HSET', key, 'l', ARGV[3]) end
  for i = 9, #ARGV do
    local field = 'p:' .. ARGV[i]
    local seen = redis.call('HGET', key, field)
    if not seen or tonumber(seen) < day then redis.call('HSET', key, field, ARGV[4]) end
  end
else
  redis.call('HINCRBY', key, 'ro', 1)
  redis.call('HINCRBY', key, 'rq', ARGV[7])
  redis.call('HINCRBY', key, 'rv', ARGV[8])
end

local maxDay = tonumber(redis.call('HGET', key, 'x') or '-1')
if day > maxDay then
  maxDay = day
  redis.call('HSET', key, 'x', ARGV[4])
end
local cutoff = maxDay - window + 1

if day >= cutoff then
  local field = 'd:' .. ARGV[4]
  local b = { 0, 0, 0, 0, 0, 0, 0 }
  local current = redis.call('HGET', key, field)
  if current then
    local j = 1
    for v in string.gmatch(current, '[^,]+') do
      b[j] = tonumber(v)
      j = j + 1
    end
  end
  if isOrder then
    b[1] = b[1] + 1
    b[2] = b[2] + tonumber(ARGV[6])
    b[3] = b[3] + tonumber(ARGV[7])
    b[4] = b[4] + tonumber(ARGV[8])
  else
    b[5] = b[5] + 1
    b[6] = b[6] + tonumber(ARGV[7])
    b[7] = b[7] + tonumber(ARGV[8])
  end
  -- %.0f: integers below 2^53 print exactly (tostring would switch to exponent notation).
  for j = 1, 7 do b[j] = string.format('%.0f', b[j]) end
  redis.call('HSET', key, field, table.concat(b, ','))
  local oldest = redis.call('HGET', key, 'dm')
  if not oldest or day < tonumber(oldest) then redis.call('HSET', key, 'dm', ARGV[4]) end
end

-- Drop buckets that left the window; "dm" (oldest bucket day) makes this rare and cheap.
local oldest = redis.call('HGET', key, 'dm')
if oldest and tonumber(oldest) < cutoff then
  local fields = redis.call('HKEYS', key)
  local keep = nil
  for _, f in ipairs(fields) do
    if string.sub(f, 1, 2) == 'd:' then
      local d = tonumber(string.sub(f, 3))
      if d < cutoff then
        redis.call('HDEL', key, f)
      elseif not keep or d < keep then
        keep = d
      end
    end
  end
  if keep then redis.call('HSET', key, 'dm', string.format('%.0f', keep)) else redis.call('HDEL', key, 'dm') end
end
return 1
