-- commands-only.lua: bench probe. The Redis commands apply-customer-event.lua issues for an event
-- (HSETNX, one HMGET of the fields it reads, one HSET of as many fields as it writes) without its
-- logic: their cost, apart from the Lua around them. Writes wrong values; for timing only.
-- keys: 1
local key = KEYS[1]
if redis.call('HSETNX', key, ARGV[1], 1) == 0 then return 0 end
local fields = { 'o', 'n', 'i', 'r', 'f', 'l', 'x', 'dm', 'd:' .. ARGV[4] }
for i = 9, #ARGV do fields[#fields + 1] = 'p:' .. ARGV[i] end
redis.call('HMGET', key, unpack(fields))
local out = {}
for i = 1, #fields do out[2 * i - 1] = fields[i]; out[2 * i] = ARGV[4] end
redis.call('HSET', key, unpack(out))
return 1
