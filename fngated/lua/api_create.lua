-- CreateApi.
--
-- KEYS:    api, apis.
-- ARGV:    name, the APIs quota, field/values.
-- Returns: 1 done; 0 exists; -2 the APIs quota.

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local lim = tonumber(ARGV[2])
if lim > 0 and redis.call('ZCARD', KEYS[2]) >= lim then return -2 end
local f = {}
for i = 3, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
