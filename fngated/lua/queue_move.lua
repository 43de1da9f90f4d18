-- One step of a message move task: up to N of the source queue's
-- messages that were there when the task started and are visible now,
-- each added to its destination and deleted from the source in this one
-- script, so a message is never in neither queue nor left in both.  A
-- moved message starts afresh (no receives, visible at once) with its
-- body, attributes, MessageId, SentTimestamp and sender.  The task's
-- record must say RUNNING (a cancel makes the next step do nothing).
--
-- KEYS:    qmove, then the source's queue, qmsgs, qvis, qinflight, qrecv,
--          then per destination its queue, qmsgs, qvis.
-- ARGV:    task id, now (ms), N, then the destinations' names (KEYS'
--          order; with more than one, a message goes to the queue its
--          "src" field names: the queue it was dead-lettered from).
-- Returns: {1, moved} running; {2, moved} completed; {3, moved} failed
--          (the reason in the record); {0, moved} not running (cancelled,
--          failed) or {0, -1} no such task.

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {0, -1} end
local r = cjson.decode(raw)
if r.Status ~= 'RUNNING' then return {0, r.Moved} end
local now = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local ndest = #ARGV - 3

local function stop(status, reason)
    r.Status = status
    if reason then r.FailureReason = reason end
    r.beat = now
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
    return {status == 'COMPLETED' and 2 or 3, r.Moved}
end

if redis.call('EXISTS', KEYS[2]) == 0 then
    return stop('FAILED', 'The source queue was deleted.')
end
for d = 1, ndest do
    if redis.call('EXISTS', KEYS[7 + (d - 1) * 3]) == 0 then
        return stop('FAILED', 'The destination queue ' .. ARGV[3 + d] ..
            ' was deleted.')
    end
end
local es = redis.call('XRANGE', KEYS[3], r.cursor, r.upto, 'COUNT', n)
for _, e in ipairs(es) do
    local id = e[1]
    local sc = redis.call('ZSCORE', KEYS[4], id)
    if sc and tonumber(sc) <= now then
        local f = e[2]
        local src, g = '', {}
        for j = 1, #f, 2 do
            if f[j] == 'src' then
                src = f[j + 1]
            else
                g[#g + 1] = f[j]
                g[#g + 1] = f[j + 1]
            end
        end
        local d = 0
        if ndest == 1 then
            d = 1
        else
            for k = 1, ndest do
                if ARGV[3 + k] == src then d = k end
            end
        end
        if d == 0 then
            return stop('FAILED', 'Message ' .. (g[2] or id) .. ' names ' ..
                'none of the queues that use this one as their dead-letter ' ..
                'queue; give a DestinationArn.')
        end
        local b = 6 + (d - 1) * 3
        local nid = redis.call('XADD', KEYS[b + 2], '*', unpack(g))
        redis.call('ZADD', KEYS[b + 3], now, nid)
        redis.call('XDEL', KEYS[3], id)
        redis.call('ZREM', KEYS[4], id)
        redis.call('ZREM', KEYS[5], id)
        redis.call('HDEL', KEYS[6], id)
        r.Moved = r.Moved + 1
    end
    r.cursor = '(' .. id
end
if #es < n then return stop('COMPLETED') end
r.beat = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
return {1, r.Moved}
