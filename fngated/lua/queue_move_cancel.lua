-- CancelMessageMoveTask (and a task that could not start): a RUNNING
-- task's record becomes CANCELLED (or FAILED); its next step moves
-- nothing, as every step checks the record first.
--
-- KEYS:    qmove.
-- ARGV:    task id, now (ms), the new status, the failure reason ("").
-- Returns: {1, moved} done; {0} no such task; {-1, status} not running.

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {0} end
local r = cjson.decode(raw)
if r.Status ~= 'RUNNING' then return {-1, r.Status} end
r.Status = ARGV[3]
if ARGV[4] ~= '' then r.FailureReason = ARGV[4] end
r.beat = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
return {1, r.Moved}
