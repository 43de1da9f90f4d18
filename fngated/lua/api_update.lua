-- UpdateApi (compare-and-set on the RevisionId read).
--
-- KEYS:    api.
-- ARGV:    the RevisionId read, field/values.
-- Returns: 1 done; 0 no API; -1 the RevisionId differs (read again).

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'RevisionId') ~= ARGV[1] then
  return -1
end
local f = {}
for i = 2, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
return 1
