-- The quotas (fgd_quota_t) are checked in the scripts that write, before
-- their first write: two calls can not both take the last slot, and a
-- refused call (or one Redis refuses for want of memory, which happens at a
-- script's first write) stores nothing. Code storage is the counter
-- fg_key_codebytes, which every script that adds or drops a CodeSize keeps;
-- over_code(KEY, LIMIT, ADD) is true when ADD more bytes pass the limit (0:
-- none); add_code(KEY, N) keeps the counter.
--
-- A piece of other scripts (their "uses:" line), not a script.

local function over_code(k, lim, add)
  lim, add = tonumber(lim), tonumber(add)
  if lim == 0 or add <= 0 then return false end
  return tonumber(redis.call('GET', k) or '0') + add > lim
end
local function add_code(k, n)
  n = tonumber(n)
  if n ~= 0 and redis.call('INCRBY', k, n) <= 0 then
    redis.call('DEL', k)
  end
end
