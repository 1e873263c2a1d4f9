-- apply-guest-event.lua: bench baseline (src's until apply-events.lua). Counts one guest order or
-- return (no customer id) at most once.
-- Guests are counted for the shop's totals but never segmented: a loyalty programme cannot
-- reward them.
-- keys: 2
-- KEYS[1]  guest stats hash
-- KEYS[2]  hash of event digests already applied
-- ARGV[1]  event digest
-- ARGV[2]  "o" for an order, "r" for a return
-- ARGV[3]  units
-- ARGV[4]  value in mills
-- returns 1 when applied, 0 when the event had been applied before
if redis.call('HSETNX', KEYS[2], ARGV[1], 1) == 0 then
  return 0
end
if ARGV[2] == 'o' then
  redis.call('HINCRBY', KEYS[1], 'orders', 1)
  redis.call('HINCRBY', KEYS[1], 'items', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'revenue', ARGV[4])
else
  redis.call('HINCRBY', KEYS[1], 'returns', 1)
  redis.call('HINCRBY', KEYS[1], 'returnedItems', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'returnedValue', ARGV[4])
end
return 1
