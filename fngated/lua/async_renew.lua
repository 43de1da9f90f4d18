-- A worker renews the lease of the events it runs (their idle time back
-- to 0), those it still holds.
--
-- KEYS:    events stream.
-- ARGV:    consumer group, consumer, entry ids.
-- Returns: how many it still holds.

local n = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n
