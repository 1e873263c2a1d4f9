-- read-placement.lua: what placing a run of customers of one shard reads: each customer hash's
-- scalars and day buckets. The event
-- marks and products' days live in the marks hash and are not read: products come as counts in
-- the day buckets (apply-events.lua). One line per customer, so the client decodes one string per
-- call, not a reply of every field. Read-only.
-- keys: 0
-- KEYS[j]  the j-th customer's hash (all of one shard)
-- returns one string, a line per customer in the order of the keys, "\n" between: empty for a
-- customer with no state (never seen, or erased), else values separated by " ":
--   1-10   l o n i r ro rq rv s sv as stored ("" when absent)
--   11...  "<day>=<bucket>" for every day bucket ("d:<day>" fields, as stored)
local byte, sub, concat = string.byte, string.sub, table.concat
local SCALARS = { 'l', 'o', 'n', 'i', 'r', 'ro', 'rq', 'rv', 's', 'sv' }
local out = {}
for j = 1, #KEYS do
  local h = redis.call('HGETALL', KEYS[j])
  local scalars, line, nb = {}, {}, 10
  local erased = #h == 0
  for k = 1, #h, 2 do
    local field = h[k]
    local c1, c2 = byte(field, 1, 2)
    if c2 == 58 then -- "d:<day>"
      if c1 == 100 then
        nb = nb + 1
        line[nb] = sub(field, 3) .. '=' .. h[k + 1]
      end
    elseif c1 == 122 and c2 == nil then -- z: erased
      erased = true
    else
      scalars[field] = h[k + 1]
    end
  end
  if erased then
    out[j] = ''
  else
    for s = 1, 10 do line[s] = scalars[SCALARS[s]] or '' end
    out[j] = concat(line, ' ', 1, nb)
  end
end
return concat(out, '\n')
