-- PutProvisionedConcurrencyConfig: a version's or alias's configuration,
-- within the function's reserved concurrency and the account's room.
--
-- KEYS:    fn ($LATEST's hash), pc (the function's configurations), pcs
--          (the names of the account's functions that have some), the
--          qualifier's record (a version's or an alias's hash).
-- ARGV:    qualifier, N, "N LASTMODIFIED", the account's room (0: no
--          limit), name, the prefix of the account's pc keys
--          ("fg:pc:{A}:").
-- Returns: {1, 0} done; {0, 0} no function; {-1, 0} no such version or
--          alias; {-2, R} over the function's reserved concurrency R;
--          {-3, T} the account would have T provisioned, over its room.

if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
if redis.call('EXISTS', KEYS[4]) == 0 then return {-1, 0} end
local n = tonumber(ARGV[2])

local function sum(key, skip)
  local t, all = 0, redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    if all[i] ~= skip then
      t = t + (tonumber(string.match(all[i + 1], '^(%d+)')) or 0)
    end
  end
  return t
end

-- the function's other configurations, then the account's
local mine = sum(KEYS[2], ARGV[1]) + n
local reserved = redis.call('HGET', KEYS[1], 'ReservedConcurrentExecutions')
if reserved and reserved ~= '' and mine > tonumber(reserved) then
  return {-2, tonumber(reserved)}
end
local room = tonumber(ARGV[4])
if room > 0 then
  local total = mine
  for _, name in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if name ~= ARGV[5] then total = total + sum(ARGV[6] .. name, '') end
  end
  if total > room then return {-3, total} end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[5])
return {1, 0}
