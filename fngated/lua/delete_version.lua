-- DeleteFunction of a version.
--
-- KEYS:    ver, vers, coderefs, verrefs, code, policy, grants, codebytes,
--          eic (the event-invoke-configs: the version's goes), pc (the
--          provisioned concurrency configurations: likewise).
-- ARGV:    N, sha read.
-- Returns: 1 done; 0 no version; -1 changed; -2 an alias routes to it.
--          Its first write is a DEL, so it runs also when Redis is full.
--
-- uses: lib/drop_policy.lua lib/quota_code.lua

local cur = redis.call('HMGET', KEYS[1], 'CodeSha256', 'CodeSize')
local sha = cur[1]
if not sha then return 0 end
if sha ~= ARGV[2] then return -1 end
if tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0') > 0 then
  return -2
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local n = redis.call('HINCRBY', KEYS[3], sha, -1)
if n <= 0 then
  redis.call('HDEL', KEYS[3], sha)
  redis.call('DEL', KEYS[5])
end
add_code(KEYS[8], -tonumber(cur[2] or '0'))
drop(KEYS[6], KEYS[7], ARGV[1])
redis.call('HDEL', KEYS[9], ARGV[1])
redis.call('HDEL', KEYS[10], ARGV[1])
return 1
