-- PutRolePolicy: adds or replaces an inline policy of an existing role.
--
-- KEYS:    role.
-- ARGV:    "policy:" .. name, the document, the most policies a role has.
-- Returns: 1 stored; 0 no role; -1 a new policy over the limit.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  local n = 0
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(f, 1, 7) == 'policy:' then n = n + 1 end
  end
  if n >= tonumber(ARGV[3]) then return -1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
