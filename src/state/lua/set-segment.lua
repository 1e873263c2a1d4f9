-- set-segment.lua: records a customer's segment under a model version, and — when the segment
-- changes — the change itself, as a pending record kept in the customer's hash until it has been
-- published (at-least-once: a crash before publishing leaves the record for the next sweep).
-- keys: 1
-- KEYS[1]  the customer's hash
-- ARGV[1]  segment id ("" for none)
-- ARGV[2]  model version
-- ARGV[3]  reason: event, refit or time
-- ARGV[4]  time of the change, epoch ms
-- returns {changed (1 changed, 0 unchanged, -1 no such customer: never seen or erased),
--          previous segment id ("" for none), change sequence number}
-- Fields: s (segment id), sv (model version of the assignment), sc (changes so far),
-- "pc:<seq>" -> "from|to|version|reason|at" for changes not yet published.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'z') == 1 then
  return { -1, '', 0 } -- never seen, or erased (forget-customer.lua): nothing to assign
end
local current = redis.call('HMGET', KEYS[1], 's', 'sc')
local previous = current[1] or ''
local seq = tonumber(current[2] or '0')
if previous == ARGV[1] then
  redis.call('HSET', KEYS[1], 'sv', ARGV[2])
  return { 0, previous, seq }
end
seq = seq + 1
local record = previous .. '|' .. ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4]
redis.call('HSET', KEYS[1], 's', ARGV[1], 'sv', ARGV[2], 'sc', seq, 'pc:' .. seq, record)
return { 1, previous, seq }
