-- PurgeQueue: every message, in flight or not.
--
-- KEYS:    queue, qmsgs, qvis, qinflight, qrecv.
-- Returns: 1 done; 0 no queue.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1
