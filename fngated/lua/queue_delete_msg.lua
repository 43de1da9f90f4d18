-- DeleteMessage(Batch): a message named by the nonce of its last receive.
--
-- KEYS:    queue, qmsgs, qvis, qinflight, qrecv.
-- ARGV:    pairs of entry id and nonce.
-- Returns: 0 no queue; else per pair 1 deleted, 0 no such message (gone
--          already), 2 received again since (not deleted).

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local out = {}
for i = 1, #ARGV, 2 do
    local id = ARGV[i]
    local r = redis.call('HGET', KEYS[5], id)
    if not r then
        out[#out + 1] = 0
    elseif string.match(r, ' (%S+)$') ~= ARGV[i + 1] then
        out[#out + 1] = 2
    else
        redis.call('XDEL', KEYS[2], id)
        redis.call('ZREM', KEYS[3], id)
        redis.call('ZREM', KEYS[4], id)
        redis.call('HDEL', KEYS[5], id)
        out[#out + 1] = 1
    end
end
return out
