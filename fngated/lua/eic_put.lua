-- PutFunctionEventInvokeConfig and UpdateFunctionEventInvokeConfig.
--
-- KEYS:    fn, eic, the qualifier's record (a version's or an alias's
--          hash; fn again for $LATEST).
-- ARGV:    qualifier, the configuration's JSON, "1" for an update, the
--          JSON the update read.
-- Returns: 1 done; 0 no function; -1 no such version or alias; -2 (an
--          update) no configuration; -3 the configuration changed since
--          it was read (read again).

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if ARGV[3] == '1' then
  if not cur then return -2 end
  if cur ~= ARGV[4] then return -3 end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
