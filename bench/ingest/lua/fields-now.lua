-- fields-now.lua: bench probe. The hash-field work of an in-order order in apply-events.lua — one
-- HMGET of the dedupe field, the 8 scalars, the day bucket and the erasure marker; one HSET of the
-- dedupe field, the 5 scalars an in-order order changes, the bucket and the products — without the
-- logic around it. Writes wrong values; for timing only, beside fields-packed.lua.
-- keys: 1
local key = KEYS[1]
local day = 'd:' .. ARGV[4]
redis.call('HMGET', key, ARGV[1], 'o', 'n', 'i', 'r', 'f', 'l', 'x', 'dm', day, 'z')
local out = { ARGV[1], '1', 'o', '3', 'n', '12', 'i', '40', 'r', '123450', 'l', ARGV[3], day, '1,4,12,30600,0,0,0' }
for i = 9, #ARGV do out[#out + 1] = 'p:' .. ARGV[i]; out[#out + 1] = ARGV[4] end
redis.call('HSET', key, unpack(out))
return 1
