-- DeleteEventSourceMapping (fngated_esm.c).
--
-- KEYS:    esms (the owner's zset of UUIDs), esm (the mapping's hash).
-- ARGV:    the UUID.
-- Returns: 1 deleted; 0 no such mapping.

local n = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return n
