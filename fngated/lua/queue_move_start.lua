-- StartMessageMoveTask: a RUNNING task's record in the source queue's
-- move hash, unless a task of that queue still runs (its step time
-- recent); a RUNNING record whose stepper stopped (fngated ended) becomes
-- FAILED; the hash keeps the newest 10 records.
--
-- KEYS:    qmove, queue, qmsgs (the source queue's).
-- ARGV:    task id, the record (JSON: TaskHandle, SourceArn,
--          DestinationArn, MaxNumberOfMessagesPerSecond, dests), now (ms),
--          stale (ms), the reason a stale task failed.
-- Returns: {1, messages to move} started; {0} no queue; {-1, task id} a
--          task runs.

if redis.call('EXISTS', KEYS[2]) == 0 then return {0} end
local now = tonumber(ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
local recs = {}
for i = 1, #all, 2 do
    local r = cjson.decode(all[i + 1])
    if r.Status == 'RUNNING' then
        if now - r.beat < tonumber(ARGV[4]) then return {-1, all[i]} end
        r.Status = 'FAILED'
        r.FailureReason = ARGV[5]
        redis.call('HSET', KEYS[1], all[i], cjson.encode(r))
    end
    recs[#recs + 1] = {all[i], r.StartedTimestamp}
end
table.sort(recs, function(a, b) return a[2] > b[2] end)
for j = 10, #recs do redis.call('HDEL', KEYS[1], recs[j][1]) end
local r = cjson.decode(ARGV[2])
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
r.upto = #last > 0 and last[1][1] or '0-0'
r.cursor = '-'
r.ToMove = redis.call('XLEN', KEYS[3])
r.Moved = 0
r.Status = 'RUNNING'
r.StartedTimestamp = now
r.beat = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
return {1, r.ToMove}
