-- set-segments.lua: records the segments of a run of customers of one shard under a model version,
-- with each one's next due time, each customer in one atomic step, and — when a segment changes —
-- the change itself, as a pending record kept in the customer's hash until it has been published
-- (at-least-once: a crash before publishing leaves the record, listed in the shard's pending
-- index, for the next placement pass). One call per run of customers: per call, client and server
-- overhead is more than one customer's own work.
-- keys: 0
-- KEYS[1]  the shard's due index (zset: customer id -> due time, epoch ms)
-- KEYS[2]  the shard's pending index (zset: customer id -> wall time a change was recorded, ms)
-- KEYS[3]  the shard's segment sizes (hash: segment id -> customers in it), kept with each change
-- KEYS[3+j] the j-th customer's hash
-- ARGV[1]  model version
-- ARGV[2]  time of the changes, epoch ms (event time: the service's "now")
-- ARGV[3]  wall clock, epoch ms (the pending index's score)
-- ARGV[4]  length of the customer keys' head ("<prefix>:{s<n>}:c:"): the customer id follows it
-- then per customer, in the order of their keys: segment id ("" for none), reason (event, refit
-- or time), next due time (epoch ms, or "+inf": never, short of a new event or model)
-- returns per customer, flat: changed (1 changed, 0 unchanged, -1 no such customer: never seen
-- or erased, and then taken out of the due index), previous segment id ("" for none), change
-- sequence number
-- Fields: s (segment id), sv (model version of the assignment), sc (changes so far), pn (changes
-- recorded and not yet cleared), "pc:<seq>" -> "from|to|version|reason|at" for those changes.
-- The shard's indexes and sizes are written once per call, after the customers: one ZADD of every
-- due time, one of every new pending entry, one HINCRBY per segment whose size moved (a call is
-- atomic, so no reader sees the customers without their index entries).
local version, at, wall, head = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local SLICE = 2000
local out = {}
local dueArgs, nd = {}, 0
local pendingArgs, np = {}, 0
local gone, ng = {}, 0
local sizeDelta = {}

local function flushPairs(key, args, n)
  for s = 1, n, SLICE do redis.call('ZADD', key, unpack(args, s, math.min(s + SLICE - 1, n))) end
end

for j = 4, #KEYS do
  local key = KEYS[j]
  local a = 5 + (j - 4) * 3
  local segment, reason, due = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local id = string.sub(key, head + 1)
  local current = redis.call('HMGET', key, 's', 'sc', 'pn', 'x', 'z', 'sv')
  local n = #out
  if current[5] or not current[4] then
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
      if current[6] ~= version then redis.call('HSET', key, 'sv', version) end
      out[n + 1], out[n + 2], out[n + 3] = 0, previous, seq
    else
      seq = seq + 1
      local record = previous .. '|' .. segment .. '|' .. version .. '|' .. reason .. '|' .. at
      redis.call('HSET', key, 's', segment, 'sv', version, 'sc', seq, 'pn', tonumber(current[3] or '0') + 1,
        'pc:' .. seq, record)
      pendingArgs[np + 1], pendingArgs[np + 2] = wall, id
      np = np + 2
      if previous ~= '' then sizeDelta[previous] = (sizeDelta[previous] or 0) - 1 end
      if segment ~= '' then sizeDelta[segment] = (sizeDelta[segment] or 0) + 1 end
      out[n + 1], out[n + 2], out[n + 3] = 1, previous, seq
    end
  end
end
for s = 1, ng, SLICE do redis.call('ZREM', KEYS[1], unpack(gone, s, math.min(s + SLICE - 1, ng))) end
flushPairs(KEYS[1], dueArgs, nd)
flushPairs(KEYS[2], pendingArgs, np)
for segment, delta in pairs(sizeDelta) do
  if delta ~= 0 then redis.call('HINCRBY', KEYS[3], segment, delta) end
end
return out
