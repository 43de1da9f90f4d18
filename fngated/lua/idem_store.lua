-- A stored result of an idempotent function (fngated_idem.c).
--
-- KEYS:    result, expiry (zset), sizes (hash), bytes, codebytes: all of
--          the billed account.
-- ARGV:    hash, value, time to live (ms), the code storage quota (0:
--          none).
-- Returns: 1 stored; 0 a result of that hash is there; -1 the account's
--          code and results would pass the quota.
--
-- Results whose time is up (at most 64 a call) leave the counts first.
-- The first write is the INCRBY of the bytes, so a full Redis refuses the
-- script before anything is written.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now,
                       'LIMIT', 0, 64)
local freed = 0
for _, h in ipairs(old) do
  freed = freed + tonumber(redis.call('HGET', KEYS[3], h) or '0')
end
local function sweep()
  if #old > 0 then
    redis.call('ZREM', KEYS[2], unpack(old))
    redis.call('HDEL', KEYS[3], unpack(old))
  end
end
local function done(rc)
  if freed ~= 0 then redis.call('INCRBY', KEYS[4], -freed) end
  sweep()
  return rc
end
if redis.call('EXISTS', KEYS[1]) == 1 then return done(0) end
-- an entry of this hash whose result is gone but not yet swept
local prev = 0
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  local swept = false
  for _, h in ipairs(old) do if h == ARGV[1] then swept = true end end
  if not swept then
    prev = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  end
end
local size = #ARGV[2]
local lim = tonumber(ARGV[4])
if lim > 0 then
  local used = tonumber(redis.call('GET', KEYS[5]) or '0')
               + tonumber(redis.call('GET', KEYS[4]) or '0') - freed - prev
  if used + size > lim then return done(-1) end
end
redis.call('INCRBY', KEYS[4], size - prev - freed)
sweep()
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], size)
return 1
