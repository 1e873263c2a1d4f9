-- release-lease.lua: deletes a lease key, or extends it, only while the caller still holds it.
-- keys: 1
-- KEYS[1]  the lease
-- ARGV[1]  the holder's token
-- ARGV[2]  "release", or a new TTL in ms to extend it
-- returns 1 when the caller held the lease, 0 otherwise
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == 'release' then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
