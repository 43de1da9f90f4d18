-- An account (`fngated account create`, `fngate admin account create`):
-- its three keys in one script, so it is all there or not at all.
--
-- KEYS:    access key (fg:key:AKID), account (fg:acct:{A}), accounts.
-- ARGV:    account id, access key id, secret, name, created.
-- Returns: 1; 0 when the id or the access key id is taken (the caller
--          draws others).

if redis.call('EXISTS', KEYS[1]) == 1 or
   redis.call('EXISTS', KEYS[2]) == 1 then
    return 0
end
redis.call('HSET', KEYS[1], 'account', ARGV[1], 'secret', ARGV[3],
           'created', ARGV[5])
redis.call('HSET', KEYS[2], 'name', ARGV[4], 'created', ARGV[5],
           'access_key', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
