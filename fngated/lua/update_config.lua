-- UpdateFunctionConfiguration.
--
-- KEYS:    fn.
-- ARGV:    RevisionId read, then field/values.
-- Returns: 1 done; 0 no function; -1 changed meanwhile.

local rev = redis.call('HGET', KEYS[1], 'RevisionId')
if not rev then return 0 end
if rev ~= ARGV[1] then return -1 end
local f = {}
for i = 2, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
return 1
