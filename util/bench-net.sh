#!/usr/bin/env bash
# util/bench-net.sh: what a network device per guest costs
# (docs/network.md).  Not a test, and not part of `make bench` (it starts
# two fngateds one after the other): run it alone.
#
# For each of `network = none` (no NIC, the default) and `network =
# loopback` with a policy naming one port (a tap per guest, the host's
# nftables table, SYNC giving the address), it starts a Redis, fngated
# (warm 0, its own state: the pool's snapshot is made anew, so the boot is
# measured) and nginx with the module, then: N new accounts call a no-op
# one-shot function once each (each call restores a guest for its account:
# the restore time from fngated's log), and one account calls it CALLS
# times in a row on one connection (warm p50 and p99; with a network each
# call sets the guest's policy, unchanged here, and reads what it was
# refused).  Prints one line per mode:
#
#   BENCHNET network=MODE boot_ms=B restore_ms_p50=R restores=N warm_p50_us=P50 warm_p99_us=P99
#
# Environment: FNGATE_NET_PORT (18680; uses it and the next),
# FNGATE_NET_REDIS_PORT (16680), FNGATE_NET_STATE (CHECKOUT/.fngate/bench-net),
# FNGATE_NET_PREFIX (fgbn), FNGATE_NET_COLD (3), FNGATE_NET_CALLS (200),
# FNGATE_NET_ORDER ("none loopback": the modes, in this order), BUILD.

set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/util/stack.sh"
PORT=${FNGATE_NET_PORT:-18680}
REDIS_PORT=${FNGATE_NET_REDIS_PORT:-16680}
STATE=${FNGATE_NET_STATE:-$ROOT/.fngate/bench-net}
PREFIX=${FNGATE_NET_PREFIX:-fgbn}
COLD=${FNGATE_NET_COLD:-3}
CALLS=${FNGATE_NET_CALLS:-200}
NGINX=/usr/sbin/nginx
PY=/usr/bin/python3
INVOKE_PATH=/2015-03-31/functions/noop/invocations

note() { echo "bench-net: $*" >&2; }
die() { echo "bench-net: $*" >&2; exit 1; }

started=()
stop_all() {
    local s
    for s in "${started[@]}"; do
        case $s in
            redis) redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave \
                       >/dev/null 2>&1 || true ;;
            nginx) "$NGINX" -p "$STATE/nginx/" -c "$STATE/nginx/nginx.conf" \
                       -s stop 2>/dev/null || true ;;
            pid:*) stack_stop_pid "${s#pid:}" ;;
        esac
    done
    started=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for c in redis-server redis-cli jq zip "$NGINX" "$PY"; do
    command -v "$c" >/dev/null || die "$c is missing (make deps)"
done

lv=$(stack_libvirt) || die "libvirtd is not usable"
lv_pids=()
while read -r _ name pid; do
    [ -n "${pid:-}" ] && lv_pids+=("pid:$pid")
done <<<"$lv"

# account NAME: "AKID SECRET" of a new account
account() {
    "$BUILD/fngated" "${FNGATED_OPTS[@]}" account create "$1" |
        jq -r '"\(.AccessKeyId) \(.SecretAccessKey)"'
}

# run MODE KEY=VALUE...: one stack, measured, stopped
run() {
    local mode=$1 akid secret i boot restores lat
    shift
    rm -rf "$STATE"
    mkdir -p "$STATE"/{redis,nginx/logs,nginx/temp,fngated,vm}
    ln -s "$ROOT/.fngate/kernel" "$STATE/kernel"
    started+=(redis)
    stack_redis "$STATE/redis" "$REDIS_PORT" 256mb || die "redis did not come up"
    stack_fngated "$STATE" "$REDIS_PORT" "name_prefix=$PREFIX" warm=0 \
        snapshot=1 function_snapshots=0 idle_timeout=600 \
        "gateway=127.0.0.1:$PORT" "$@" || die "fngated did not come up"
    started+=("pid:$FNGATED_PID")
    stack_fill "$ROOT/conf/nginx.conf" "$STATE/nginx/nginx.conf.in" "$STATE" \
        "$PORT" "$REDIS_PORT"
    {
        sed -e '/^    server {/,$d' "$STATE/nginx/nginx.conf.in"
        stack_server "$PORT" "$STATE/fngated/fngated.sock" on
        echo "}"
    } >"$STATE/nginx/nginx.conf"
    stack_nginx "$STATE/nginx" "$STATE/nginx/nginx.conf" "$PORT" ||
        die "nginx did not come up"
    started+=(nginx)
    stack_wait 120 snapshot grep -q 'snapshot: .*made in' \
        "$STATE/fngated/fngated.log" || die "no snapshot"
    boot=$(sed -n 's/.*snapshot: .* made in [0-9]* ms (boot \([0-9]*\) ms).*/\1/p' \
        "$STATE/fngated/fngated.log" | head -n 1)

    printf '#!/bin/sh\ncat >/dev/null\necho null\n' >"$STATE/handler"
    chmod +x "$STATE/handler"
    (cd "$STATE" && zip -q -X noop.zip handler)
    stack_fngated_opts "$STATE" "$REDIS_PORT" "name_prefix=$PREFIX" "$@"
    for ((i = 0; i < COLD; i++)); do
        read -r akid secret < <(account "bn$i")
        "$PY" "$ROOT/util/bench.py" create "http://127.0.0.1:$PORT" "$akid" \
            "$secret" noop "$STATE/noop.zip" handler >/dev/null ||
            die "CreateFunction failed"
        "$PY" "$ROOT/util/bench.py" calls "$PORT" 1 "$INVOKE_PATH" "$akid" \
            "$secret" || die "cold call failed"
    done
    restores=$(sed -n 's/.*made for account .* (restore \([0-9]*\) ms).*/\1/p' \
        "$STATE/fngated/fngated.log" | sort -n)
    "$PY" "$ROOT/util/bench.py" calls "$PORT" 20 "$INVOKE_PATH" "$akid" \
        "$secret" || die "warm-up failed"
    lat=$("$PY" "$ROOT/util/bench.py" latency "$PORT" "$CALLS" "$INVOKE_PATH" \
        "$akid" "$secret") || die "warm calls failed"
    echo "BENCHNET network=$mode boot_ms=$boot" \
         "restore_ms_p50=$(sed -n "$(( ($(wc -l <<<"$restores") + 1) / 2 ))p" <<<"$restores")" \
         "restores=$(tr '\n' ',' <<<"$restores" | sed 's/,$//')" \
         "warm_p50_us=$(sed 's/.*p50_us=\([0-9]*\).*/\1/' <<<"$lat")" \
         "warm_p99_us=$(sed 's/.*p99_us=\([0-9]*\).*/\1/' <<<"$lat")"
    stop_all
}

for m in ${FNGATE_NET_ORDER:-none loopback}; do
    case $m in
        none) run none network=none ;;
        loopback) run loopback network=loopback \
                      "network_default=127.0.0.1:$((PORT + 1))" \
                      network_subnet=10.214.0.0/24 ;;
        *) die "FNGATE_NET_ORDER: none or loopback, not $m" ;;
    esac
done
started=("${lv_pids[@]}")
