#!/usr/bin/env bash
# util/bench-cg.sh: the module's cost per call counted in instructions
# (valgrind's callgrind), a figure that does not move with what else the
# host is doing, as the wall-clock figures of util/bench.sh do.  Part of
# `make bench` (its row "1 nginx instructions per request"); run alone to
# compare two builds of the module:
#
#   util/bench-cg.sh                       this tree's module
#   FNGATE_CG_MODULE=/other/build/ngx_http_fngate_module.so util/bench-cg.sh
#
# It starts a Redis, fcgi-echo and one nginx process (master_process off)
# under callgrind, with conf/nginx.conf's http block and two servers that
# pass the same params to the same fcgi-echo: the gateway (fngate on) and
# the plain one (no module).  A signed Invoke of an account made for the
# run goes through each server N times on one keep-alive connection after
# a warm-up; callgrind's counters are zeroed before and dumped after, so
# start-up is not counted (the dumps stay in STATE/callgrind.PORT.out, for
# callgrind_annotate).  Prints one line:
#
#   BENCHCG gateway_ir=... plain_ir=... module_ir=... calls=N
#
# (instructions per call; module = gateway - plain).  No guest runs:
# fngated (warm 0, no snapshots) is there to make the account and the
# function the calls name, through a third server, as users do.
#
# Environment: FNGATE_CG_MODULE (BUILD's module), FNGATE_CG_CALLS (300),
# FNGATE_CG_PORT (18580; uses it and the next two), FNGATE_CG_REDIS_PORT
# (16580), FNGATE_CG_STATE (CHECKOUT/.fngate/bench-cg), BUILD.

set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/util/stack.sh"
MODULE=${FNGATE_CG_MODULE:-$BUILD/ngx_http_fngate_module.so}
CALLS=${FNGATE_CG_CALLS:-300}
PORT=${FNGATE_CG_PORT:-18580}
PLAIN_PORT=$((PORT + 1))
API_PORT=$((PORT + 2))
REDIS_PORT=${FNGATE_CG_REDIS_PORT:-16580}
STATE=${FNGATE_CG_STATE:-$ROOT/.fngate/bench-cg}
NGINX=/usr/sbin/nginx
PY=/usr/bin/python3
INVOKE_PATH=/2015-03-31/functions/cg-noop/invocations

note() { echo "bench-cg: $*" >&2; }
die() { echo "bench-cg: $*" >&2; exit 1; }

started=()
cleanup() {
    local s
    for s in "${started[@]}"; do
        case $s in
            redis) redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave \
                       >/dev/null 2>&1 || true ;;
            pid:*) stack_stop_pid "${s#pid:}" ;;
        esac
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for c in valgrind callgrind_control redis-server redis-cli jq zip "$NGINX" "$PY"; do
    command -v "$c" >/dev/null || die "$c is missing (make deps)"
done
[ -f "$MODULE" ] || die "$MODULE is not built (make build)"
for p in "$PORT" "$PLAIN_PORT" "$API_PORT" "$REDIS_PORT"; do
    if (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        die "port $p is taken (set FNGATE_CG_PORT / FNGATE_CG_REDIS_PORT)"
    fi
done

rm -rf "$STATE"
mkdir -p "$STATE"/{redis,nginx/logs,nginx/temp,echo,fngated,vm}
ln -s "$ROOT/.fngate/kernel" "$STATE/kernel"

lv=$(stack_libvirt) || die "libvirtd is not usable"
while read -r _ name pid; do
    [ -n "${pid:-}" ] && started+=("pid:$pid")
done <<<"$lv"

started+=(redis)
stack_redis "$STATE/redis" "$REDIS_PORT" 256mb || die "redis did not come up"
stack_fngated "$STATE" "$REDIS_PORT" name_prefix=fgcg warm=0 snapshot=0 \
    function_snapshots=0 "gateway=127.0.0.1:$PORT" || die "fngated did not come up"
started+=("pid:$FNGATED_PID")

setsid "$BUILD/fcgi-echo" "unix:$STATE/echo/fcgi-echo.sock" 1 </dev/null \
    >"$STATE/echo/fcgi-echo.log" 2>&1 &
started+=("pid:$!")

# The account, by fngated's command mode (its keys as fngate admin makes
# them).
stack_fngated_opts "$STATE" "$REDIS_PORT"
read -r ACCT AKID SECRET < <("$BUILD/fngated" "${FNGATED_OPTS[@]}" account \
    create cg | jq -r '"\(.AccountId) \(.AccessKeyId) \(.SecretAccessKey)"')
[ -n "${SECRET:-}" ] || die "fngated account create gave no keys"

# nginx: conf/nginx.conf's main and http parts, one process, the two
# servers only.
CONF=$STATE/nginx/nginx.conf
stack_fill "$ROOT/conf/nginx.conf" "$CONF.in" "$STATE" "$PORT" "$REDIS_PORT"
{
    echo "master_process off;"
    echo "daemon off;"
    sed -e "s|^load_module .*|load_module $MODULE;|" \
        -e 's|^worker_processes .*|worker_processes 1;|' \
        -e '/^    server {/,$d' "$CONF.in"
    stack_server "$PORT" "$STATE/echo/fcgi-echo.sock" on
    stack_server "$PLAIN_PORT" "$STATE/echo/fcgi-echo.sock"
    stack_server "$API_PORT" "$STATE/fngated/fngated.sock" on
    echo "}"
} >"$CONF"
rm -f "$CONF.in"
stack_wait 10 fcgi-echo stack_unix_socket_answers "$STATE/echo/fcgi-echo.sock" ||
    die "fcgi-echo did not come up"
"$NGINX" -q -t -p "$STATE/nginx/" -c "$CONF" || die "nginx rejects $CONF"

setsid valgrind -q --tool=callgrind --callgrind-out-file="$STATE/cg.out.%p" \
    "$NGINX" -p "$STATE/nginx/" -c "$CONF" </dev/null \
    >"$STATE/nginx/valgrind.log" 2>&1 &
VG=$!
started+=("pid:$VG")
stack_wait 60 nginx curl -s -o /dev/null "http://127.0.0.1:$PLAIN_PORT/" ||
    die "nginx under callgrind did not come up; see $STATE/nginx/valgrind.log"

# The function the calls name (a one-shot handler that is never run).
printf '#!/bin/sh\ncat\n' >"$STATE/handler"
chmod +x "$STATE/handler"
(cd "$STATE" && zip -q -X cg.zip handler)
"$PY" "$ROOT/util/bench.py" create "http://127.0.0.1:$API_PORT" "$AKID" \
    "$SECRET" cg-noop "$STATE/cg.zip" handler >/dev/null ||
    die "CreateFunction cg-noop failed"

# calls PORT N: N signed Invokes on one connection; all must answer 200.
calls() {
    "$PY" "$ROOT/util/bench.py" calls "$1" "$2" "$INVOKE_PATH" "$AKID" "$SECRET"
}

# measure PORT: instructions of N calls, start-up and warm-up excluded.
measure() {
    local f
    calls "$1" 20 || die "warm-up calls on :$1 failed"
    callgrind_control -z "$VG" >/dev/null 2>&1
    calls "$1" "$CALLS" || die "calls on :$1 failed"
    callgrind_control -d "$VG" >/dev/null 2>&1
    f=$(ls -t "$STATE"/cg.out.*.[0-9]* | head -n 1)
    mv "$f" "$STATE/callgrind.$1.out"       # for callgrind_annotate
    sed -n 's/^summary: \([0-9]*\).*/\1/p; s/^totals: \([0-9]*\).*/\1/p' \
        "$STATE/callgrind.$1.out" | head -n 1
}

gw=$(measure "$PORT")
plain=$(measure "$PLAIN_PORT")
[ -n "$gw" ] && [ -n "$plain" ] || die "callgrind gave no totals"
echo "BENCHCG gateway_ir=$((gw / CALLS)) plain_ir=$((plain / CALLS))" \
     "module_ir=$(((gw - plain) / CALLS)) calls=$CALLS"
