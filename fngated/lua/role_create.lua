-- CreateRole.
--
-- KEYS:    role, roles.
-- ARGV:    name, then field/value pairs of the role.
-- Returns: 1 created; 0 a role of that name exists.

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local f = {}
for i = 2, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
