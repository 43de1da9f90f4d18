-- CreateQueue: the queue's attributes, the grant index of its Policy, and
-- its name in the account's set.
--
-- KEYS:    queues, queue, qgrant.
-- ARGV:    name, the number N of grant fields, the N fields, then
--          attribute name / value pairs.
-- Returns: 1 created; 0 the queue exists (the caller compares).

if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local n = tonumber(ARGV[2])
redis.call('DEL', KEYS[3])
for j = 1, n do
    redis.call('HINCRBY', KEYS[3], ARGV[2 + j], 1)
end
redis.call('HSET', KEYS[2], unpack(ARGV, 3 + n))
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1
