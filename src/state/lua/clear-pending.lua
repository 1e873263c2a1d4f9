-- clear-pending.lua: removes customers' pending change records once every sink holds them, and
-- takes each customer out of the shard's pending index when none of theirs is left. One call per
-- run of customers of one shard (after a refit every customer may have one to clear).
-- keys: 0
-- KEYS[1]  the shard's pending index
-- KEYS[1+j] the j-th customer's hash
-- ARGV[1]  length of the customer keys' head ("<prefix>:{s<n>}:c:"): the customer id follows it
-- then per customer, in the order of their keys: how many sequence numbers follow, and those
-- (the changes published)
-- returns how many records were removed. Idempotent: a record already removed counts 0.
-- Customers with none left leave the pending index in one ZREM at the end of the call.
local head = tonumber(ARGV[1])
local SLICE = 2000
local total = 0
local a = 2
local fields = {}
local done, nd = {}, 0
for j = 2, #KEYS do
  local key = KEYS[j]
  local n = tonumber(ARGV[a])
  for i = 1, n do fields[i] = 'pc:' .. ARGV[a + i] end
  a = a + n + 1
  local removed = redis.call('HDEL', key, unpack(fields, 1, n))
  local left = tonumber(redis.call('HGET', key, 'pn') or '0')
  if removed > 0 then
    left = left - removed
    if left > 0 then
      redis.call('HSET', key, 'pn', left)
    else
      redis.call('HDEL', key, 'pn')
    end
  end
  if left <= 0 then
    nd = nd + 1
    done[nd] = string.sub(key, head + 1)
  end
  total = total + removed
end
for s = 1, nd, SLICE do redis.call('ZREM', KEYS[1], unpack(done, s, math.min(s + SLICE - 1, nd))) end
return total
