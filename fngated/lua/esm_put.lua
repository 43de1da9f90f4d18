-- CreateEventSourceMapping and UpdateEventSourceMapping (fngated_esm.c).
--
-- KEYS:    esms (the owner's zset of UUIDs), esm (the mapping's hash).
-- ARGV:    "create" or "update", the UUID, its score (creation ms), the
--          LastModified an update read, then field, value pairs.
-- Returns: 1 done; 0 (update) no such mapping; -1 (create) the UUID is
--          taken; -3 (update) the mapping changed since it was read.

local exists = redis.call('EXISTS', KEYS[2]) == 1
if ARGV[1] == 'create' then
  if exists then return -1 end
else
  if not exists then return 0 end
  if redis.call('HGET', KEYS[2], 'LastModified') ~= ARGV[4] then
    return -3
  end
end
local fv = {}
for i = 5, #ARGV do fv[#fv + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fv))
if ARGV[1] == 'create' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
end
return 1
