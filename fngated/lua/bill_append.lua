-- The billing lines of one stream from one shipper (fngated_billship.c):
-- each appended once, however often a shipper that failed or crashed
-- sends it again.
--
-- KEYS:    the stream (fg:bill:{A} or fg:billapi:{A}), A's checkpoints
--          (fg:billpos:{A}).
-- ARGV:    the checkpoint's field ("bill ID" or "api ID": the stream and
--          the shipper), how long lines are kept (ms), then POSITION LINE
--          pairs in the log's order: "COUNT INODE OFFSET" at the end of
--          the line (COUNT: the bytes the shipper read of its log, every
--          file of it, up to there), the line.
-- Returns: the lines appended.
--
-- The checkpoint is the POSITION of the last line appended: a line whose
-- COUNT is not past its COUNT is in already.  The stream's entries
-- shipped longer ago than the keeping time are trimmed (MINID, roughly),
-- and both keys go after that long without a line.

local function count(pos)
  return tonumber(string.match(pos, '^(%d+)')) or 0
end

local at = count(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local keep = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local oldest = math.max(now - keep, 0)
local n, pos = 0, nil
for i = 3, #ARGV - 1, 2 do
  local c = count(ARGV[i])
  if c > at then
    redis.call('XADD', KEYS[1], 'MINID', '~', oldest, '*',
               'line', ARGV[i + 1])
    at, pos, n = c, ARGV[i], n + 1
  end
end
if n > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], pos)
  redis.call('PEXPIRE', KEYS[1], keep)
  redis.call('PEXPIRE', KEYS[2], keep)
end
return n
