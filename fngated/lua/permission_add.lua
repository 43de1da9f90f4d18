-- AddPermission.
--
-- KEYS:    policy, grants, the key that must exist (fn, ver or alias).
-- ARGV:    qualifier, sid, statement, grant field, RevisionId wanted or "",
--          new RevisionId.
-- Returns: 1 done; 0 no such qualifier; -1 stale RevisionId; -2 the sid
--          exists.

if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local rev = redis.call('HGET', KEYS[1], '#' .. ARGV[1]) or ''
if ARGV[5] ~= '' and rev ~= ARGV[5] then return -1 end
local f = ARGV[1] .. ':' .. ARGV[2]
if redis.call('HEXISTS', KEYS[1], f) == 1 then return -2 end
redis.call('HSET', KEYS[1], f, ARGV[3], '#' .. ARGV[1], ARGV[6])
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
return 1
