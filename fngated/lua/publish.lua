-- PublishVersion.
--
-- KEYS:    fn, vers, ver (the new number), coderefs, ver (the last number),
--          codebytes.
-- ARGV:    last number read, new number, "1" when a Description is given,
--          the Description, CodeSha256 precondition (hex or ""), RevisionId
--          precondition (or ""), the version's RevisionId, the versions
--          quota, the code storage quota.
-- Returns: {1, N} published; {2, N} $LATEST's code and configuration are
--          what they were when version N, which still exists, was
--          published; {0} no function; {-1} another publish came first
--          (read again); {-2, sha} CodeSha256 differs; {-3} RevisionId
--          differs; {-4} versions quota; {-5, CodeSize} code storage quota.
--
-- uses: lib/quota_code.lua

local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return {0} end
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
if ARGV[5] ~= '' and h['CodeSha256'] ~= ARGV[5] then
  return {-2, h['CodeSha256']}
end
if ARGV[6] ~= '' and h['RevisionId'] ~= ARGV[6] then return {-3} end
if (h['LastVersion'] or '0') ~= ARGV[1] then return {-1} end
local c = {h['CodeSha256'] or '', h['Runtime'] or '',
  h['Handler'] or '', h['MemorySize'] or '', h['Timeout'] or '',
  h['Environment'] or '', h['Role'] or '', h['Description'] or ''}
if (h['DeadLetterTargetArn'] or '') ~= '' then
  c[#c + 1] = h['DeadLetterTargetArn']
end
if (h['FngateEgress'] or '') ~= '' then
  c[#c + 1] = 'egress:' .. h['FngateEgress']
end
if (h['FngateIdempotency'] or '') ~= '' then
  c[#c + 1] = 'idem:' .. h['FngateIdempotency']
end
local cfg = cjson.encode(c)
if h['PublishedConfig'] == cfg
   and redis.call('EXISTS', KEYS[5]) == 1 then
  return {2, ARGV[1]}
end
local lim = tonumber(ARGV[8])
if lim > 0 and redis.call('ZCARD', KEYS[2]) >= lim then
  return {-4}
end
local size = h['CodeSize'] or '0'
if over_code(KEYS[6], ARGV[9], size) then return {-5, size} end
redis.call('HSET', KEYS[3], unpack(f))
redis.call('HDEL', KEYS[3], 'LastVersion', 'PublishedConfig')
redis.call('HSET', KEYS[3], 'Version', ARGV[2], 'RevisionId', ARGV[7])
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[3], 'Description', ARGV[4])
end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[2])
redis.call('HINCRBY', KEYS[4], h['CodeSha256'], 1)
add_code(KEYS[6], size)
redis.call('HSET', KEYS[1], 'LastVersion', ARGV[2],
           'PublishedConfig', cfg)
return {1, ARGV[2]}
