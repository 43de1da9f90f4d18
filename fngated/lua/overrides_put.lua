-- PutAliasOverrides / DeleteAliasOverrides.
--
-- KEYS:    alias.
-- ARGV:    the RevisionId read, the overrides' JSON or "" to drop them, the
--          new RevisionId.
-- Returns: 1 done; -4 no alias; -1 changed since read; -6 not a cross-
--          account alias.

local old = redis.call('HMGET', KEYS[1], 'RevisionId',
                       'FunctionVersion')
if not old[1] then return -4 end
if old[1] ~= ARGV[1] then return -1 end
if string.sub(old[2] or '', 1, 4) ~= 'arn:' then return -6 end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], 'Overrides')
else redis.call('HSET', KEYS[1], 'Overrides', ARGV[2]) end
redis.call('HSET', KEYS[1], 'RevisionId', ARGV[3])
return 1
