-- advance-watermark.lua: moves the watermark (latest event time seen) forward, never back.
-- keys: 1
-- KEYS[1]  watermark (epoch ms as a decimal string)
-- ARGV[1]  candidate, epoch ms
-- returns the watermark after the call
local current = redis.call('GET', KEYS[1])
if not current or tonumber(ARGV[1]) > tonumber(current) then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return current
