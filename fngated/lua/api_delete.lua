-- DeleteApi: the API, its subscriptions, its name in the account's set.
--
-- KEYS:    api, apis, subs.
-- ARGV:    name.
-- Returns: 1 done; 0 no API.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
