-- UpdateFunctionCode.
--
-- KEYS:    fn, new code, coderefs, old code, codebytes.
-- ARGV:    old sha read, RevisionId precondition, new sha, zip, CodeSize,
--          LastModified, RevisionId, the code storage quota.
-- Returns: 1 done; 0 no function; -1 changed meanwhile; -3 RevisionId
--          differs; -4 code storage quota ($LATEST's CodeSize is replaced:
--          only growth counts).
--
-- uses: lib/quota_code.lua

local cur = redis.call('HMGET', KEYS[1], 'CodeSha256', 'RevisionId',
                       'CodeSize')
if not cur[1] then return 0 end
if cur[1] ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' and cur[2] ~= ARGV[2] then return -3 end
local grow = tonumber(ARGV[5]) - tonumber(cur[3] or '0')
if over_code(KEYS[5], ARGV[8], grow) then return -4 end
redis.call('SET', KEYS[2], ARGV[4], 'NX')
add_code(KEYS[5], grow)
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
local n = redis.call('HINCRBY', KEYS[3], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[4])
end
redis.call('HSET', KEYS[1], 'CodeSha256', ARGV[3], 'CodeSize', ARGV[5],
           'LastModified', ARGV[6], 'RevisionId', ARGV[7])
return 1
