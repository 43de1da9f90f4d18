-- GetQueueAttributes' counts at one instant: visible, in flight, delayed.
--
-- KEYS:    qvis, qinflight.
-- ARGV:    now (ms).
-- Returns: {visible, not visible, delayed}.

local now = tonumber(ARGV[1])
local visible = redis.call('ZCOUNT', KEYS[1], '-inf', now)
local later = redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
local inflight = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
return {visible, inflight, later - inflight}
