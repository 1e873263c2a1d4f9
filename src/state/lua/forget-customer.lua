-- forget-customer.lua: erases a customer's state (GDPR) and leaves only the erasure marker, so
-- that no later event of theirs rebuilds it: a late duplicate of an event applied before the
-- erasure (its dedupe field is gone with the state) or any event consumed after it.
-- keys: 5
-- KEYS[1]  the customer's hash
-- KEYS[2]  the shard's due index
-- KEYS[3]  the shard's outbox (the customer's changes not yet published are taken out of it)
-- KEYS[4]  the shard's segment sizes (the customer leaves their segment's count)
-- KEYS[5]  the customer's marks hash (applied events, products' days): removed
-- ARGV[1]  time of the erasure, epoch ms
-- ARGV[2]  the customer id (the indexes' member)
-- returns {state removed (0|1), already erased (0|1)}
-- Afterwards the customer hash holds the single field z = time of the first erasure, the marks hash
-- is gone, and the customer is neither in the due index nor in the outbox. Idempotent: a second call finds z and changes nothing. Atomic, so it is safe while
-- consumers and placement passes run: apply-events.lua and set-segments.lua see either the whole
-- state or the marker.
local erasedAt = redis.call('HGET', KEYS[1], 'z')
redis.call('ZREM', KEYS[2], ARGV[2])
-- The outbox holds only what is not yet published (a few entries, or a crash's leftovers).
local own = '\n' .. ARGV[2] .. '|'
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do
  local text = entries[i + 1]
  if string.find(text, own, 1, true) then
    local kept, nk = {}, 0
    for line in string.gmatch(text, '[^\n]+') do
      if nk == 0 or string.find('\n' .. line, own, 1, true) ~= 1 then
        nk = nk + 1
        kept[nk] = line
      end
    end
    if nk > 1 then
      redis.call('HSET', KEYS[3], entries[i], table.concat(kept, '\n'))
    else
      redis.call('HDEL', KEYS[3], entries[i])
    end
  end
end
redis.call('DEL', KEYS[5])
if erasedAt then
  return { 0, 1 }
end
local segment = redis.call('HGET', KEYS[1], 's')
if segment and segment ~= '' then redis.call('HINCRBY', KEYS[4], segment, -1) end
local removed = redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'z', ARGV[1])
return { removed, 0 }
