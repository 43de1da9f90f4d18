-- PutExecutionBounds.
--
-- KEYS:    fn, bounds.
-- ARGV:    the bounds' JSON, or "" to drop them.
-- Returns: 1 done; 0 no function.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '' then redis.call('DEL', KEYS[2])
else redis.call('SET', KEYS[2], ARGV[1]) end
return 1
