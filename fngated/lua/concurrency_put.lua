-- PutFunctionConcurrency and DeleteFunctionConcurrency: the function's
-- ReservedConcurrentExecutions field, on the function only if it exists.
--
-- KEYS:    function ($LATEST's hash, fg:fn:{A}:NAME).
-- ARGV:    the number, or '' to delete it.
-- Returns: 1 done; 0 no such function.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '' then
  redis.call('HDEL', KEYS[1], 'ReservedConcurrentExecutions')
else
  redis.call('HSET', KEYS[1], 'ReservedConcurrentExecutions', ARGV[1])
end
return 1
