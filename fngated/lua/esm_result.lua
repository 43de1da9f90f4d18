-- A poller's LastProcessingResult (and StateTransitionReason) of a
-- mapping, written only while the mapping exists (fngated_esm_poll.c).
--
-- KEYS:    esm (the mapping's hash).
-- ARGV:    field, value pairs.
-- Returns: 1 written; 0 no such mapping.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
