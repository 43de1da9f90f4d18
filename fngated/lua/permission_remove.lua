-- RemovePermission.
--
-- KEYS:    policy, grants.
-- ARGV:    qualifier, sid, RevisionId wanted or "", new RevisionId.
-- Returns: 1 done; 0 no such statement; -1 stale.  The grant field is
--          read back from the stored statement.

local f = ARGV[1] .. ':' .. ARGV[2]
local st = redis.call('HGET', KEYS[1], f)
if not st then return 0 end
local rev = redis.call('HGET', KEYS[1], '#' .. ARGV[1]) or ''
if ARGV[3] ~= '' and rev ~= ARGV[3] then return -1 end
local s = cjson.decode(st)
local acct = string.match(s.Principal.AWS, '^arn:aws:iam::(%d+):root$')
local g = ARGV[1] .. ':' .. s.Action .. ':' .. acct
redis.call('HDEL', KEYS[1], f)
if redis.call('HINCRBY', KEYS[2], g, -1) <= 0 then
  redis.call('HDEL', KEYS[2], g)
end
local left = false
for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(k, 1, #ARGV[1] + 1) == ARGV[1] .. ':' then
    left = true
    break
  end
end
if left then
  redis.call('HSET', KEYS[1], '#' .. ARGV[1], ARGV[4])
else
  redis.call('HDEL', KEYS[1], '#' .. ARGV[1])
end
return 1
