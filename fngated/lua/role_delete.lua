-- DeleteRole: only a role with no inline policy goes, as IAM's.
--
-- KEYS:    role, roles.
-- ARGV:    name.
-- Returns: 1 deleted; 0 no role; -1 it still has policies.  Its first
--          write is a DEL, so it runs also when Redis is full.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 7) == 'policy:' then return -1 end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
