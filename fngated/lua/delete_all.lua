-- DeleteFunction of the whole function.
--
-- KEYS:    fn, fns, coderefs, vers, verrefs, aliases, NV version keys, NA
--          alias keys, 1 + NV code keys ($LATEST's, then each version's),
--          policy, grants, bounds, eic (the event-invoke-configs), pc
--          (the provisioned concurrency configurations), codebytes.
-- ARGV:    name, NV, NA, the version numbers, the alias names, the 1 + NV
--          shas.
-- Returns: 1 done; 0 no function; -1 the lists are not what is stored
--          now (read again).  Its first write is a DEL, so it runs also
--          when Redis is full.
--
-- uses: lib/quota_code.lua

local nv, na = tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local vers = redis.call('ZRANGE', KEYS[4], 0, -1)
local als = redis.call('ZRANGE', KEYS[6], 0, -1)
if #vers ~= nv or #als ~= na then return -1 end
for i = 1, nv do if vers[i] ~= ARGV[3 + i] then return -1 end end
for i = 1, na do
  if als[i] ~= ARGV[3 + nv + i] then return -1 end
end
local shas, bytes = {}, 0
for i = 0, nv do
  local k = KEYS[1]
  if i > 0 then k = KEYS[6 + i] end
  local c = redis.call('HMGET', k, 'CodeSha256', 'CodeSize')
  shas[#shas + 1] = c[1]
  bytes = bytes + tonumber(c[2] or '0')
end
for i = 1, #shas do
  if shas[i] ~= ARGV[3 + nv + na + i] then return -1 end
end
for i = 1, nv + na do redis.call('DEL', KEYS[6 + i]) end
redis.call('DEL', KEYS[1], KEYS[4], KEYS[5], KEYS[6])
redis.call('DEL', KEYS[#KEYS - 5], KEYS[#KEYS - 4], KEYS[#KEYS - 3],
           KEYS[#KEYS - 2], KEYS[#KEYS - 1])
redis.call('ZREM', KEYS[2], ARGV[1])
for i = 1, #shas do
  local n = redis.call('HINCRBY', KEYS[3], shas[i], -1)
  if n <= 0 then
    redis.call('HDEL', KEYS[3], shas[i])
    redis.call('DEL', KEYS[6 + nv + na + i])
  end
end
add_code(KEYS[#KEYS], -bytes)
return 1
