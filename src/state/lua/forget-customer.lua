-- forget-customer.lua: erases a customer's state (GDPR) and leaves only the erasure marker, so
-- that no later event of theirs rebuilds it: a late duplicate of an event applied before the
-- erasure (its dedupe field is gone with the state) or any event consumed after it.
-- keys: 1
-- KEYS[1]  the customer's hash
-- ARGV[1]  time of the erasure, epoch ms
-- returns {state removed (0|1), already erased (0|1)}
-- Afterwards the hash holds the single field z = time of the first erasure. Idempotent: a second
-- call finds z and changes nothing. Atomic, so it is safe while consumers and sweeps run:
-- apply-events.lua and set-segment.lua see either the whole state or the marker.
local erasedAt = redis.call('HGET', KEYS[1], 'z')
if erasedAt then
  return { 0, 1 }
end
local removed = redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'z', ARGV[1])
return { removed, 0 }
