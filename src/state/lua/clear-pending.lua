-- clear-pending.lua: removes a customer's pending change records once every sink holds them, and
-- takes the customer out of the shard's pending index when none is left.
-- keys: 2
-- KEYS[1]  the customer's hash
-- KEYS[2]  the shard's pending index
-- ARGV[1]  the customer id
-- ARGV[2..] the sequence numbers of the changes published
-- returns how many records were removed. Idempotent: a record already removed counts 0.
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = 'pc:' .. ARGV[i] end
local removed = redis.call('HDEL', KEYS[1], unpack(fields))
if removed > 0 then
  local left = tonumber(redis.call('HGET', KEYS[1], 'pn') or '0') - removed
  if left > 0 then
    redis.call('HSET', KEYS[1], 'pn', left)
  else
    redis.call('HDEL', KEYS[1], 'pn')
  end
end
if tonumber(redis.call('HGET', KEYS[1], 'pn') or '0') <= 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
return removed
