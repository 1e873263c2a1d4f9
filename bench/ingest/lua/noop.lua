-- noop.lua: bench probe. Same KEYS/ARGV as apply-customer-event.lua; does nothing: the cost of
-- calling a script with these arguments (transfer, parsing, ARGV table, reply).
-- keys: 1
return 1
