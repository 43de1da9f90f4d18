-- A hash written whole unless it exists, so a name is given once: an
-- account's record or its access key (`fngated account create`, each a
-- step of its own: they are on two slots), the temporary credentials of
-- a call (fngated_roles.c, with their end).
--
-- KEYS:    the hash (fg:acct:{A}, fg:key:AKIA..., fg:key:ASIA...).
-- ARGV:    the time it ends (Unix ms, PEXPIREAT; 0: never), then
--          field/value pairs.
-- Returns: 1 written; 0 the name is taken (the caller draws again).

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local f = {}
for i = 2, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
if ARGV[1] ~= '0' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return 1
