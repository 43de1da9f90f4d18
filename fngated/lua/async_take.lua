-- A worker takes one event of an account: first the retries that are due
-- go back into the stream (as new entries), then an event whose worker
-- died (its lease, the entry's idle time, older than the visibility
-- timeout) is claimed, else the next new one is read.
--
-- KEYS:    events stream, retries (zset: packed field list -> due ms).
-- ARGV:    consumer group, consumer, now (ms), visibility timeout (ms).
-- Returns: {id, {field, value, ...}, deliveries} for an event; {'', due}
--          when there is none: due the ms when one may be (a retry's
--          time, or a lease that will run out), -1 for none.

local now = tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 64)
if #due > 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
end
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', unpack(cmsgpack.unpack(m)))
  redis.call('ZREM', KEYS[2], m)
end

local function next_due()
  local at = -1
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if first[2] then at = tonumber(first[2]) end
  if redis.call('EXISTS', KEYS[1]) == 1 then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1])
    if p[1] > 0 then
      local lease = now + math.floor(tonumber(ARGV[4]) / 2)
      if at < 0 or lease < at then at = lease end
    end
  end
  return {'', at}
end

if redis.call('EXISTS', KEYS[1]) == 0 then return next_due() end

local c = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4],
                     '0-0', 'COUNT', 1)
local e = c[2][1]
if e and e[2] then
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
  return {e[1], e[2], p[1][4]}
end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1,
                     'STREAMS', KEYS[1], '>')
if r and r[1][2][1] then
  e = r[1][2][1]
  return {e[1], e[2], 1}
end
return next_due()
