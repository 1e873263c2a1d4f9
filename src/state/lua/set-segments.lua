-- set-segments.lua: records the segments of a run of customers of one shard under a model version,
-- with each one's next due time, each customer in one atomic step, and — when segments change —
-- the changes themselves, as one entry of the shard's outbox kept until every sink holds them
-- (at-least-once: a crash before they are published leaves the entry for the next placement pass
-- to publish again). One call per run of customers: per call, client and server overhead is more
-- than one customer's own work, and one outbox entry per call is one write for all its changes.
-- keys: 0
-- KEYS[1]  the shard's due index (zset: customer id -> due time, epoch ms)
-- KEYS[2]  the shard's outbox (hash: entry id -> changes not yet published)
-- KEYS[3]  the shard's outbox entry counter
-- KEYS[4]  the shard's segment sizes (hash: segment id -> customers in it), kept with each change
-- KEYS[4+j] the j-th customer's hash
-- ARGV[1]  model version
-- ARGV[2]  time of the changes, epoch ms (event time: the service's "now")
-- ARGV[3]  wall clock, epoch ms (when the entry was written: the republishing grace runs from it)
-- ARGV[4]  length of the customer keys' head ("<prefix>:{s<n>}:c:"): the customer id follows it
-- then per customer, in the order of their keys: segment id ("" for none), reason (event, refit
-- or time), next due time (epoch ms, or "+inf": never, short of a new event or model)
-- returns per customer, flat: changed (1 changed, 0 unchanged, -1 no such customer: never seen
-- or erased, and then taken out of the due index), previous segment id ("" for none), change
-- sequence number; then the outbox entry id (0 when nothing changed)
-- Fields: s (segment id), sv (model version of the assignment), sc (changes so far).
-- Outbox entry: "<wall>\n<change>\n<change>...", each change
-- "<customerId>|<seq>|<from>|<to>|<version>|<reason>|<at>" (ids never hold "|" or a newline).
-- The shard's indexes, outbox and sizes are written once per call, after the customers: one ZADD
-- of every due time, one outbox entry, one HINCRBY per segment whose size moved (a call is
-- atomic, so no reader sees the customers without their index entries and changes).
local version, at, wall, head = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local SLICE = 2000
local out = {}
local dueArgs, nd = {}, 0
local changes, nc = {}, 0
local gone, ng = {}, 0
local sizeDelta = {}
local tail = '|' .. version

for j = 5, #KEYS do
  local key = KEYS[j]
  local a = 5 + (j - 5) * 3
  local segment, reason, due = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local id = string.sub(key, head + 1)
  local current = redis.call('HMGET', key, 's', 'sc', 'x', 'z', 'sv')
  local n = #out
  if current[4] or not current[3] then
    -- erased (forget-customer.lua), or never seen (every applied event sets x): nothing to assign
    ng = ng + 1
    gone[ng] = id
    out[n + 1], out[n + 2], out[n + 3] = -1, '', 0
  else
    dueArgs[nd + 1], dueArgs[nd + 2] = due, id
    nd = nd + 2
    local previous = current[1] or ''
    local seq = tonumber(current[2] or '0')
    if previous == segment then
      -- a due pass under the same model leaves the hash as it is: only the due time moves
      if current[5] ~= version then redis.call('HSET', key, 'sv', version) end
      out[n + 1], out[n + 2], out[n + 3] = 0, previous, seq
    else
      seq = seq + 1
      redis.call('HSET', key, 's', segment, 'sv', version, 'sc', seq)
      nc = nc + 1
      changes[nc] = id .. '|' .. seq .. '|' .. previous .. '|' .. segment .. tail .. '|' .. reason .. '|' .. at
      if previous ~= '' then sizeDelta[previous] = (sizeDelta[previous] or 0) - 1 end
      if segment ~= '' then sizeDelta[segment] = (sizeDelta[segment] or 0) + 1 end
      out[n + 1], out[n + 2], out[n + 3] = 1, previous, seq
    end
  end
end
for s = 1, ng, SLICE do redis.call('ZREM', KEYS[1], unpack(gone, s, math.min(s + SLICE - 1, ng))) end
for s = 1, nd, SLICE do redis.call('ZADD', KEYS[1], unpack(dueArgs, s, math.min(s + SLICE - 1, nd))) end
local entry = 0
if nc > 0 then
  entry = redis.call('INCR', KEYS[3])
  redis.call('HSET', KEYS[2], entry, wall .. '\n' .. table.concat(changes, '\n'))
end
for segment, delta in pairs(sizeDelta) do
  if delta ~= 0 then redis.call('HINCRBY', KEYS[4], segment, delta) end
end
out[#out + 1] = entry
return out
