-- CreateFunction.
--
-- KEYS:    fn, fns, code, coderefs, aliases, codebytes.
-- ARGV:    name, sha, zip, the functions quota, the code storage quota,
--          CodeSize, field/values.
-- Returns: 1 done; 0 the function exists; -1 the name holds the caller's
--          cross-account aliases (without the function, every alias of the
--          name is one), so a name is never both; -2 functions quota; -3
--          code storage quota.
--
-- uses: lib/quota_code.lua

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[5]) == 1 then return -1 end
local lim = tonumber(ARGV[4])
if lim > 0 and redis.call('ZCARD', KEYS[2]) >= lim then return -2 end
if over_code(KEYS[6], ARGV[5], ARGV[6]) then return -3 end
redis.call('SET', KEYS[3], ARGV[3], 'NX')
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
add_code(KEYS[6], ARGV[6])
local f = {}
for i = 7, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
