-- DeleteQueue: every key of the queue, and its name in the account's set.
--
-- KEYS:    queues, queue, qgrant, qmsgs, qvis, qinflight, qrecv, qdedup,
--          qdedupx.
-- ARGV:    name.
-- Returns: 1 done; 0 no queue.

local found = redis.call('DEL', KEYS[2])
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
redis.call('ZREM', KEYS[1], ARGV[1])
return found
