-- An asynchronous event (Invoke with X-Amz-Invocation-Type: Event), stored
-- in its billed account's stream before the 202 is sent; the stream and
-- its consumer group are made with the first event.
--
-- KEYS:    events stream (fg:ev:{A}).
-- ARGV:    consumer group, then the event's field/value pairs.
-- Returns: the entry id.

if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
