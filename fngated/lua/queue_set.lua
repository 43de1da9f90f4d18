-- SetQueueAttributes, AddPermission, RemovePermission: attributes, and
-- with Policy the grant index rewritten from it.
--
-- KEYS:    queue, qgrant.
-- ARGV:    "1" when Policy must still be ARGV[2] (a read-modify-write),
--          the Policy read, the number N of grant fields (-1: the index
--          stays), the N fields, then attribute name / value pairs (an
--          empty value removes the attribute).
-- Returns: 1 done; 0 no queue; -1 the Policy changed meanwhile.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' and (redis.call('HGET', KEYS[1], 'Policy') or '') ~= ARGV[2] then
    return -1
end
local n = tonumber(ARGV[3])
local i = 4
if n >= 0 then
    redis.call('DEL', KEYS[2])
    for j = 1, n do
        redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
        i = i + 1
    end
end
while i < #ARGV do
    if ARGV[i + 1] == '' then
        redis.call('HDEL', KEYS[1], ARGV[i])
    else
        redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    end
    i = i + 2
end
return 1
