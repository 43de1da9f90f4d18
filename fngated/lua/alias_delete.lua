-- DeleteAlias.
--
-- KEYS:    alias, aliases, verrefs, policy, grants, eic (the
--          event-invoke-configs: the alias's goes), pc (the provisioned
--          concurrency configurations: likewise).
-- ARGV:    name.
-- Returns: 1 done; 0 no alias.  Its first write is a DEL, so it runs also
--          when Redis is full.
--
-- uses: lib/drop_policy.lua

local old = redis.call('HMGET', KEYS[1], 'FunctionVersion',
                       'AdditionalVersion')
if not old[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
for _, v in ipairs({old[1], old[2]}) do
  if v and v ~= '' and v ~= '$LATEST' then
    if redis.call('HINCRBY', KEYS[3], v, -1) <= 0 then
      redis.call('HDEL', KEYS[3], v)
    end
  end
end
drop(KEYS[4], KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
redis.call('HDEL', KEYS[7], ARGV[1])
return 1
