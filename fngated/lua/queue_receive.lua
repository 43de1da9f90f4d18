-- ReceiveMessage: up to N visible messages, each made invisible for the
-- visibility timeout and counted; one received maxReceiveCount times
-- already moves to the dead-letter queue instead; one older than the
-- retention period is dropped.  A FIFO queue is read in stream order,
-- and a group whose first message is not visible (in flight, delayed)
-- gives none.
--
-- KEYS:    queue, qmsgs, qvis, qinflight, qrecv, and with a RedrivePolicy
--          the dead-letter queue's queue, qmsgs, qvis.
-- ARGV:    now (ms), visibility timeout (ms; -1 the queue's), N, nonce
--          prefix, the RedrivePolicy read ("" none), its maxReceiveCount
--          (0 none), the queue's name (a message moved to the dead-letter
--          queue keeps it as its "src" field: a redrive's way back).
-- Returns: {0} no queue; {-1} the RedrivePolicy changed; else {1, the
--          stream's last entry id ("" none), the next time (ms) a message
--          becomes visible (-1 none), then per message: entry id, its
--          fields, receive count, first receive (ms), nonce}.

local q = redis.call('HMGET', KEYS[1], 'FifoQueue', 'RedrivePolicy',
    'MessageRetentionPeriod', 'VisibilityTimeout')
if not q[1] then return {0} end
if (q[2] or '') ~= ARGV[5] then return {-1} end
local now = tonumber(ARGV[1])
local vt = tonumber(ARGV[2])
if vt < 0 then vt = tonumber(q[4] or '30') * 1000 end
local max = tonumber(ARGV[3])
local retention = tonumber(q[3] or '345600') * 1000
local maxrc = tonumber(ARGV[6])
local dlq = maxrc > 0 and #KEYS >= 8 and redis.call('EXISTS', KEYS[6]) == 1
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local out = {1, '', -1}
local taken = 0

local function drop(id)
    redis.call('XDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
    redis.call('HDEL', KEYS[5], id)
end

local function take(id, f)
    local sent = 0
    for j = 1, #f, 2 do
        if f[j] == 'sent' then sent = tonumber(f[j + 1]) end
    end
    if now - sent > retention then
        drop(id)
        return
    end
    local count, first = 0, now
    local r = redis.call('HGET', KEYS[5], id)
    if r then
        local a, b = string.match(r, '^(%d+) (%d+)')
        count = tonumber(a)
        first = tonumber(b)
    end
    if dlq and count >= maxrc then
        local g = {}
        for j = 1, #f, 2 do
            if f[j] ~= 'src' then
                g[#g + 1] = f[j]
                g[#g + 1] = f[j + 1]
            end
        end
        g[#g + 1] = 'src'
        g[#g + 1] = ARGV[7]
        local nid = redis.call('XADD', KEYS[7], '*', unpack(g))
        redis.call('ZADD', KEYS[8], now, nid)
        drop(id)
        return
    end
    count = count + 1
    local nonce = ARGV[4] .. taken
    redis.call('HSET', KEYS[5], id, count .. ' ' .. first .. ' ' .. nonce)
    redis.call('ZADD', KEYS[3], now + vt, id)
    if vt > 0 then
        redis.call('ZADD', KEYS[4], now + vt, id)
    else
        redis.call('ZREM', KEYS[4], id)
    end
    out[#out + 1] = id
    out[#out + 1] = f
    out[#out + 1] = count
    out[#out + 1] = first
    out[#out + 1] = nonce
    taken = taken + 1
end

if q[1] == 'true' then
    local blocked = {}
    local cursor = '-'
    local scanned = 0
    while taken < max and scanned < 2000 do
        local es = redis.call('XRANGE', KEYS[2], cursor, '+', 'COUNT', 200)
        if #es == 0 then break end
        for _, e in ipairs(es) do
            local id = e[1]
            cursor = '(' .. id
            scanned = scanned + 1
            if taken < max then
                local g = ''
                for j = 1, #e[2], 2 do
                    if e[2][j] == 'group' then g = e[2][j + 1] end
                end
                if not blocked[g] then
                    local sc = redis.call('ZSCORE', KEYS[3], id)
                    if sc and tonumber(sc) <= now then
                        take(id, e[2])
                    else
                        blocked[g] = true
                    end
                end
            end
        end
    end
else
    local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0,
        max + 100)
    for _, id in ipairs(ids) do
        if taken >= max then break end
        local es = redis.call('XRANGE', KEYS[2], id, id)
        if #es == 0 then
            drop(id)
        else
            take(id, es[1][2])
        end
    end
end
local l = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #l > 0 then out[2] = l[1][1] end
local nx = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. now, '+inf', 'WITHSCORES',
    'LIMIT', 0, 1)
if #nx > 0 then out[3] = tonumber(nx[2]) end
return out
