-- SendMessage(Batch): each message an entry of the stream, visible after
-- its delay; a FIFO queue's deduplication id seen in the last 5 minutes
-- answers the first message's ids instead.
--
-- KEYS:    queue, qmsgs, qvis, qdedup, qdedupx.
-- ARGV:    now (ms), N, then per message 7 values: delay (s; -1 the
--          queue's DelaySeconds), deduplication id or "", MessageId,
--          body, attributes (JSON), group id or "", sender account.
-- Returns: 0 no queue; else per message its entry id and MessageId.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local qdelay = tonumber(redis.call('HGET', KEYS[1], 'DelaySeconds') or '0')
local old = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 1000)
if #old > 0 then
    redis.call('HDEL', KEYS[4], unpack(old))
    redis.call('ZREM', KEYS[5], unpack(old))
end
local out = {}
for i = 0, n - 1 do
    local b = 3 + i * 7
    local delay = tonumber(ARGV[b])
    if delay < 0 then delay = qdelay end
    local dd = ARGV[b + 1]
    local prev = false
    if dd ~= '' then prev = redis.call('HGET', KEYS[4], dd) end
    if prev then
        local sp = string.find(prev, ' ', 1, true)
        out[#out + 1] = string.sub(prev, sp + 1)
        out[#out + 1] = string.sub(prev, 1, sp - 1)
    else
        local id = redis.call('XADD', KEYS[2], '*', 'id', ARGV[b + 2],
            'body', ARGV[b + 3], 'attrs', ARGV[b + 4], 'sent', ARGV[1],
            'sender', ARGV[b + 6], 'group', ARGV[b + 5], 'dedup', dd)
        redis.call('ZADD', KEYS[3], now + delay * 1000, id)
        if dd ~= '' then
            redis.call('HSET', KEYS[4], dd, ARGV[b + 2] .. ' ' .. id)
            redis.call('ZADD', KEYS[5], now + 300000, dd)
        end
        out[#out + 1] = id
        out[#out + 1] = ARGV[b + 2]
    end
end
return out
