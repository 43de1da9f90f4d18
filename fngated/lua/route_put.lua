-- CreateRoute / UpdateRoute.
--
-- KEYS:    api, fn (the target function).
-- ARGV:    method, shape, value, field ("" to create, else "r:ID" to
--          update), value read (update), LastModified, RevisionId, the
--          routes quota.
-- Returns: {1, id}; {0} no API; {-1} no function; {-2, id} collision
--          with id; {-3} the route changed or is gone since it was read;
--          {-4} routes quota (create).
--
-- Two routes collide when their methods are equal or either is ANY, and
-- their shapes are (fg_api.h).

if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1} end
if ARGV[4] ~= '' and
   redis.call('HGET', KEYS[1], ARGV[4]) ~= ARGV[5] then
  return {-3}
end
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'r:' then n = n + 1 end
end
local lim = tonumber(ARGV[8])
if ARGV[4] == '' and lim > 0 and n >= lim then return {-4} end
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'r:' and all[i] ~= ARGV[4] then
    local m, p = string.match(all[i + 1], '^(%S+) (%S+)')
    if m and (m == ARGV[1] or m == 'ANY' or ARGV[1] == 'ANY') then
      local s = string.gsub(p, '{[^}]*}', '{}')
      if s == ARGV[2] then return {-2, string.sub(all[i], 3)} end
    end
  end
end
local field = ARGV[4]
if field == '' then
  field = 'r:' .. redis.call('HINCRBY', KEYS[1], 'RouteSeq', 1)
end
redis.call('HSET', KEYS[1], field, ARGV[3], 'LastModified', ARGV[6],
           'RevisionId', ARGV[7])
return {1, string.sub(field, 3)}
