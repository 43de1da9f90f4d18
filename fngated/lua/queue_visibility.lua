-- ChangeMessageVisibility(Batch): a message in flight, named by the nonce
-- of its last receive, becomes visible after the new timeout.
--
-- KEYS:    queue, qvis, qinflight, qrecv.
-- ARGV:    now (ms), then triples of entry id, nonce, timeout (ms).
-- Returns: 0 no queue; else per triple 1 done, 0 not in flight, -1 the
--          handle is not of the last receive.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local now = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 3 do
    local id = ARGV[i]
    local r = redis.call('HGET', KEYS[4], id)
    local sc = redis.call('ZSCORE', KEYS[3], id)
    if not r or string.match(r, ' (%S+)$') ~= ARGV[i + 1] then
        out[#out + 1] = -1
    elseif not sc or tonumber(sc) <= now then
        out[#out + 1] = 0
    else
        local vt = tonumber(ARGV[i + 2])
        redis.call('ZADD', KEYS[2], now + vt, id)
        if vt > 0 then
            redis.call('ZADD', KEYS[3], now + vt, id)
        else
            redis.call('ZREM', KEYS[3], id)
        end
        out[#out + 1] = 1
    end
end
return out
