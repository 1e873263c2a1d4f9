-- fields-packed.lua: bench probe. fields-now.lua for a layout that would keep a customer's scalars
-- (o n i r f l x dm ro rq rv) in one field "t": one HMGET of 4 fields, one HSET of 3 and the
-- products. The difference between the two is what such a layout would save Redis per order.
-- keys: 1
local key = KEYS[1]
local day = 'd:' .. ARGV[4]
redis.call('HMGET', key, ARGV[1], 't', day, 'z')
local out = { ARGV[1], '1', 't', '3,12,40,123450,' .. ARGV[3] .. ',' .. ARGV[3] .. ',' .. ARGV[4] .. ',' .. ARGV[4] .. ',0,0,0', day, '1,4,12,30600,0,0,0' }
for i = 9, #ARGV do out[#out + 1] = 'p:' .. ARGV[i]; out[#out + 1] = ARGV[4] end
redis.call('HSET', key, unpack(out))
return 1
