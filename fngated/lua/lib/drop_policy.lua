-- drop(kp, kg, q) removes the policy of qualifier q: its statements in
-- the policy hash kp and its grants in the grant index kg.
--
-- A piece of other scripts (their "uses:" line), not a script.

local function drop(kp, kg, q)
  local pre = q .. ':'
  for _, k in ipairs({kp, kg}) do
    local f = redis.call('HKEYS', k)
    for i = 1, #f do
      if string.sub(f[i], 1, #pre) == pre then
        redis.call('HDEL', k, f[i])
      end
    end
  end
  redis.call('HDEL', kp, '#' .. q)
end
