-- CreateSubscription.
--
-- KEYS:    api, subs.
-- ARGV:    account, now, the subscriptions quota.
-- Returns: {1, value} created, {2, value} it existed, {0} no API, {-1} the
--          API is private, {-2} subscriptions quota.

if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local access = redis.call('HGET', KEYS[1], 'Access')
if access ~= 'granted' and access ~= 'open' then return {-1} end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then return {2, cur} end
local lim = tonumber(ARGV[3])
if lim > 0 and redis.call('HLEN', KEYS[2]) >= lim then return {-2} end
local st = 'pending'
if access == 'open' then st = 'approved' end
local v = st .. ' ' .. ARGV[2] .. ' ' .. ARGV[2]
redis.call('HSET', KEYS[2], ARGV[1], v)
return {1, v}
