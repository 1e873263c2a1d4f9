-- read-placement.lua: what placing a run of customers of one shard reads, as of one day: each
-- customer's hash without its event marks (e:<digest>) and change records (pc:<seq>), and with its
-- per-product days (p:<sku>) reduced to how many products were last bought inside the window and
-- when that set next changes (src/features/features.ts: productWindow computes the same). The
-- marks and products are most of a customer's fields: leaving them in Redis keeps the reply, and
-- the client's decoding of it, to a few values per customer. Read-only.
-- keys: 0
-- KEYS[j]  the j-th customer's hash (all of one shard)
-- ARGV[1]  the window's first day, ARGV[2] the day read for (UTC day numbers), ARGV[3] window length in days
-- returns one string, a line per customer in the order of the keys, "\n" between: empty for a
-- customer with no state (never seen, or erased), else values separated by " ":
--   1-11   l o n i r ro rq rv s sv pn as stored ("" when absent)
--   12     products last bought in the window
--   13     the day the set of products in the window next changes ("" for never): a product day
--          after the day read enters then; one inside the window leaves on day + window length
--   14...  "<day>=<bucket>" for every day bucket ("d:<day>" fields, as stored)
local start, today, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local byte, sub, concat = string.byte, string.sub, table.concat
local SCALARS = { 'l', 'o', 'n', 'i', 'r', 'ro', 'rq', 'rv', 's', 'sv', 'pn' }
local out = {}
for j = 1, #KEYS do
  local h = redis.call('HGETALL', KEYS[j])
  local scalars, buckets, nb = {}, {}, 0
  local products, change = 0, nil
  local erased = #h == 0
  for k = 1, #h, 2 do
    local field = h[k]
    local c1, c2 = byte(field, 1, 2)
    if c2 == 58 then -- "<c>:"
      if c1 == 112 then -- p:<sku> -> the latest day it was bought
        local day = tonumber(h[k + 1])
        local at
        if day > today then
          at = day
        elseif day >= start then
          products = products + 1
          at = day + window
        end
        if at and (change == nil or at < change) then change = at end
      elseif c1 == 100 then -- d:<day>
        nb = nb + 1
        buckets[nb] = sub(field, 3) .. '=' .. h[k + 1]
      end -- e:<digest>: skipped
    elseif c1 == 122 and c2 == nil then -- z: erased
      erased = true
    elseif c2 ~= 99 or byte(field, 3) ~= 58 then -- not pc:<seq>
      scalars[field] = h[k + 1]
    end
  end
  if erased then
    out[j] = ''
  else
    local line = {}
    for s = 1, #SCALARS do line[s] = scalars[SCALARS[s]] or '' end
    line[12] = products
    line[13] = change or ''
    for b = 1, nb do line[13 + b] = buckets[b] end
    out[j] = concat(line, ' ')
  end
end
return concat(out, '\n')
