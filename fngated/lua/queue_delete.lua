-- DeleteQueue: every key of the queue, and its name in the account's set.
--
-- KEYS:    queues, then the queue's keys (fg_queue_key_t's order: queue,
--          qgrant, qmsgs, qvis, qinflight, qrecv, qdedup, qdedupx, qmove).
-- ARGV:    name.
-- Returns: 1 done; 0 no queue.

local found = redis.call('DEL', KEYS[2])
redis.call('DEL', unpack(KEYS, 3))
redis.call('ZREM', KEYS[1], ARGV[1])
return found
