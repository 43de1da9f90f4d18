-- UpdateSubscription.
--
-- KEYS:    api, subs.
-- ARGV:    account, status, now.
-- Returns: {1, value}; {0} no API; {-1} no such subscription.

if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return {-1} end
local created = string.match(cur, '^%S+ (%S+)') or ARGV[3]
local v = ARGV[2] .. ' ' .. created .. ' ' .. ARGV[3]
redis.call('HSET', KEYS[2], ARGV[1], v)
return {1, v}
