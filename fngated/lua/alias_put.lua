-- CreateAlias / UpdateAlias.
--
-- KEYS:    alias, aliases, verrefs, the key that must exist for
--          FunctionVersion (fn for $LATEST, else its ver; for a cross-
--          account alias, FunctionVersion "", the caller's fn, which must
--          not exist), the key for the additional version (ignored when
--          ARGV[5] is "").
-- ARGV:    "create" or "update", RevisionId read (update), name,
--          FunctionVersion, additional version or "", the aliases quota,
--          field/values.
-- Returns: 1 done; 0 exists (create); -4 missing (update); -1 changed
--          meanwhile; -2 FunctionVersion missing; -3 additional version
--          missing; -5 a cross-account alias on the name of one of the
--          caller's functions; -7 aliases quota (create).

local old = redis.call('HMGET', KEYS[1], 'RevisionId',
                       'FunctionVersion', 'AdditionalVersion')
if ARGV[1] == 'create' then
  if old[1] then return 0 end
else
  if not old[1] then return -4 end
  if old[1] ~= ARGV[2] then return -1 end
end
if ARGV[4] == '' then
  if redis.call('EXISTS', KEYS[4]) == 1 then return -5 end
elseif redis.call('EXISTS', KEYS[4]) == 0 then return -2 end
if ARGV[5] ~= '' and redis.call('EXISTS', KEYS[5]) == 0 then
  return -3
end
local lim = tonumber(ARGV[6])
if ARGV[1] == 'create' and lim > 0
   and redis.call('ZCARD', KEYS[2]) >= lim then
  return -7
end
local function ref(v, d)
  if v and v ~= '' and v ~= '$LATEST' then
    if redis.call('HINCRBY', KEYS[3], v, d) <= 0 then
      redis.call('HDEL', KEYS[3], v)
    end
  end
end
if old[1] then ref(old[2], -1); ref(old[3], -1) end
ref(ARGV[4], 1); ref(ARGV[5], 1)
local f = {}
for i = 7, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(f))
redis.call('ZADD', KEYS[2], 0, ARGV[3])
return 1
