-- A worker is done with an event it took: the entry leaves the stream,
-- and a retry (when due is given) waits in the retries zset, in one step,
-- so the event is always in one place.  Only the consumer that holds the
-- event decides: a worker whose lease ran out (another took the event)
-- changes nothing.
--
-- KEYS:    events stream, retries.
-- ARGV:    consumer group, consumer, entry id, due (ms) or '' for none,
--          then the retry's field/value pairs.
-- Returns: 1 done; 0 the event is another consumer's now (or gone).

local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not p[1] or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], cmsgpack.pack({unpack(ARGV, 5)}))
end
return 1
