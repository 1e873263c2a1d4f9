-- store-model.lua: stores a model version unless a newer lease holder already stored one
-- (fencing: a refit that lost its lease while fitting cannot overwrite its successor's model).
-- keys: 2
-- KEYS[1]  the current model (JSON)
-- KEYS[2]  the fencing token of the last model stored
-- ARGV[1]  this writer's fencing token
-- ARGV[2]  the model version (JSON)
-- returns 1 when stored, 0 when refused
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) < last then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return 1
