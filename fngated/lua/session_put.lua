-- The temporary credentials of one call: written whole, with their end.
--
-- KEYS:    the access key (fg:key:ASIA...).
-- ARGV:    the time they end (Unix ms, PEXPIREAT), then field/value pairs.
-- Returns: 1 written; 0 the key id is taken (the caller draws again).

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local f = {}
for i = 2, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
