#!/bin/sh
# An attacker's one-shot handler: it counts the processes an earlier call
# of its own left behind, then leaves one more: out of its cgroup if it
# can, in a session of its own, named "linger".  It also tells whether
# /tmp holds the file t/hostile/bomb.sh leaves.
n=0
for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = linger ] && n=$((n + 1))
done
printf '#!/bin/sh\nsleep 3600\n' >/tmp/linger 2>/dev/null
chmod 755 /tmp/linger 2>/dev/null
( echo 0 >/sys/fs/cgroup/cgroup.procs
  exec setsid /tmp/linger ) </dev/null >/dev/null 2>&1 &
fill=no
[ -e /tmp/fill ] && fill=yes
echo "\"left behind: $n, /tmp/fill: $fill\""
