-- DeleteRoute.
--
-- KEYS:    api.
-- ARGV:    field, LastModified, RevisionId.
-- Returns: 1 done; 0 no API; -1 no route.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'LastModified', ARGV[2], 'RevisionId',
           ARGV[3])
return 1
