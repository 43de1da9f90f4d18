#!/usr/bin/env bash
# util/bench-cluster.sh: the gateway with more than one fngated host and on
# a Redis Cluster (issue 16's figures; `make bench` runs it, BENCHMARKS.md
# has the results).  No guest runs: each "host" is an fcgi-echo, so what
# is measured is nginx, the module and Redis.
#
#   util/bench-cluster.sh     (prints "BENCHC name key=value..." lines)
#
# Starts, on loopback, a Redis (REDIS_PORT) and a Redis Cluster of 3
# masters and 3 replicas (REDIS_PORT+1..+6), three fcgi-echo "hosts", and
# two nginx: one on the Redis (ports PORT..PORT+2: an upstream of 1, 2 and
# 3 hosts hashed on $fngate_pool_key, as conf/nginx.conf), one on the
# cluster (PORT+3..PORT+5, the same).  ACCOUNTS accounts (6) with a
# function each are written to both stores.  Each run is wrk (1 thread, 8
# connections, SECS s) of signed Invokes, each request by one of the
# accounts in turn, so the hash spreads them over the hosts; it reports
# calls/s, p50/p99, the Redis commands per call (all masters) and the CPU
# per call of nginx's workers, the echo hosts and Redis.  Then the same
# with the module's cache off (fngate_cache_ttl 0): what each call costs
# Redis, one Redis against the cluster.
#
# Environment: FNGATE_BENCH_CLUSTER_STATE (CHECKOUT/.fngate/bench-cluster),
# FNGATE_BENCH_CLUSTER_PORT (18560, and the next 5),
# FNGATE_BENCH_CLUSTER_REDIS_PORT (16560, and the next 6, and their bus
# ports +10000), FNGATE_BENCH_SECONDS (10), FNGATE_BENCH_CLUSTER_ACCOUNTS
# (6), BUILD.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/util/stack.sh"
STATE=${FNGATE_BENCH_CLUSTER_STATE:-$ROOT/.fngate/bench-cluster}
PORT=${FNGATE_BENCH_CLUSTER_PORT:-18560}
REDIS_PORT=${FNGATE_BENCH_CLUSTER_REDIS_PORT:-16560}
SECS=${FNGATE_BENCH_SECONDS:-10}
ACCOUNTS=${FNGATE_BENCH_CLUSTER_ACCOUNTS:-6}
PY=/usr/bin/python3
HZ=$(getconf CLK_TCK)
CLUSTER=$(stack_redis_cluster_addrs $((REDIS_PORT + 1)) 6)

note() { echo "bench-cluster: $*" >&2; }
die() { echo "bench-cluster: $*" >&2; exit 1; }

PIDS=()         # the echo hosts
NGINXES=()
cleanup() {
    local p
    for p in "${NGINXES[@]}"; do stack_stop_pid "$p" QUIT 5; done
    for p in "${PIDS[@]}"; do stack_stop_pid "$p" TERM 5; done
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    for ((p = REDIS_PORT + 1; p <= REDIS_PORT + 6; p++)); do
        redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$BUILD/fngated" "$BUILD/fcgi-echo" "$BUILD/ngx_http_fngate_module.so"; do
    [ -e "$f" ] || die "$f is not built (make build)"
done
for ((p = PORT; p < PORT + 6; p++)); do
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
        die "port $p is taken (FNGATE_BENCH_CLUSTER_PORT)"
done
rm -rf "$STATE"
mkdir -p "$STATE"/{echo,single/logs,cluster/logs,work}
W=$STATE/work

stack_redis "$STATE/redis" "$REDIS_PORT" 1gb || die "redis did not come up"
stack_redis_cluster "$STATE/redis-cluster" $((REDIS_PORT + 1)) 1gb "" 6 ||
    die "the redis cluster did not come up"
for h in 1 2 3; do
    setsid "$BUILD/fcgi-echo" "unix:$STATE/echo/$h.sock" 4 </dev/null \
        >"$STATE/echo/$h.log" 2>&1 &
    PIDS+=($!)
done
for h in 1 2 3; do
    stack_wait 10 "fcgi-echo $h" stack_unix_socket_answers "$STATE/echo/$h.sock" ||
        die "fcgi-echo $h did not come up"
done

# The accounts, each with a function "echo", in both stores: made by
# fngated's command line, the function's record written as CreateFunction
# leaves the fields the module reads.
fngated_on() {
    stack_fngated_opts "$STATE" "$REDIS_PORT" "redis=$1"
    "$BUILD/fngated" "${FNGATED_OPTS[@]}" "${@:2}"
}
: >"$W/accounts"
for ((i = 1; i <= ACCOUNTS; i++)); do
    fngated_on "127.0.0.1:$REDIS_PORT" account create "bc$i" >"$W/a$i.json" ||
        die "account create"
    acct=$(jq -r .AccountId "$W/a$i.json")
    echo "$acct $(jq -r .AccessKeyId "$W/a$i.json") $(jq -r .SecretAccessKey "$W/a$i.json")" >>"$W/accounts"
done
# (the same accounts in the cluster: each hash copied field by field)
while read -r acct akid _; do
    for k in "fg:key:$akid" "fg:acct:{$acct}"; do
        mapfile -t fv < <(redis-cli -p "$REDIS_PORT" --raw hgetall "$k")
        [ "${#fv[@]}" -gt 0 ] || die "$k is empty"
        redis-cli -c -p $((REDIS_PORT + 1)) hset "$k" "${fv[@]}" >/dev/null ||
            die "copying $k"
    done
    for port_args in "-p $REDIS_PORT" "-c -p $((REDIS_PORT + 1))"; do
        # shellcheck disable=SC2086
        redis-cli $port_args hset "fg:fn:{$acct}:echo" FunctionName echo \
            Runtime provided Handler handler MemorySize 128 Timeout 3 \
            CodeSha256 0 CodeSize 1 LastModified 0 RevisionId 1 >/dev/null
        # shellcheck disable=SC2086
        redis-cli $port_args zadd "fg:fns:{$acct}" 0 echo >/dev/null
    done
done <"$W/accounts"
note "$ACCOUNTS accounts with a function each, in both stores"

# nginx on a store (STORE: single or cluster) with its three upstreams
nginx_conf() {
    local store=$1 redis=$2 base=$3 ttl=$4 n h
    cat <<EOF
load_module $BUILD/ngx_http_fngate_module.so;
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes auto;
pid $STATE/$store/nginx.pid;
error_log $STATE/$store/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    fngate_redis $redis;
    fngate_region us-east-1;
    fngate_cache_ttl $ttl;
    client_body_temp_path $STATE/$store/body;
    fastcgi_temp_path $STATE/$store/fastcgi;
EOF
    for n in 1 2 3; do
        echo "    upstream hosts$n {"
        echo "        hash \$fngate_pool_key consistent;"
        for ((h = 1; h <= n; h++)); do
            echo "        server unix:$STATE/echo/$h.sock max_fails=1 fail_timeout=10s;"
        done
        echo "    }"
        cat <<EOF
    server {
        listen 127.0.0.1:$((base + n - 1));
        location / {
            fngate on;
            include $ROOT/conf/fngate_params;
            fastcgi_pass hosts$n;
        }
    }
EOF
    done
    echo "}"
}

# start_nginx STORE REDIS BASE TTL: (re)starts that nginx
start_nginx() {
    local store=$1
    if [ -s "$STATE/$store/nginx.pid" ]; then
        stack_stop_pid "$(cat "$STATE/$store/nginx.pid")" QUIT 10
    fi
    nginx_conf "$@" >"$STATE/$store/nginx.conf"
    stack_nginx "$STATE/$store" "$STATE/$store/nginx.conf" "$3" ||
        die "nginx ($store) did not come up"
    NGINXES+=("$NGINX_PID")
}

# The wrk script: each request signed by the next account (botocore's
# SigV4, util/bench.py), 200s counted.
{
    echo 'local reqs = {}'
    while read -r acct akid secret; do
        echo 'reqs[#reqs + 1] = wrk.format("POST", "/2015-03-31/functions/echo/invocations", {'
        "$PY" "$ROOT/util/bench.py" sign POST \
            "http://localhost/2015-03-31/functions/echo/invocations" '{}' \
            "$akid" "$secret" |
            while IFS=': ' read -r k v; do printf '  ["%s"] = "%s",\n' "$k" "$v"; done
        echo '}, "{}")'
    done <"$W/accounts"
    cat <<'EOF'
local threads = {}
local i = 0
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0 end
function request() i = i % #reqs + 1; return reqs[i] end
function response(status, headers, body) if status == 200 then ok = ok + 1 end end
function done(summary, latency, requests)
    local o = 0
    for _, t in ipairs(threads) do o = o + t:get("ok") end
    io.write(string.format("BENCH requests=%d duration_us=%d ok=%d p50_us=%d p99_us=%d errors=%d\n",
        summary.requests, summary.duration, o, latency:percentile(50),
        latency:percentile(99), summary.errors.connect + summary.errors.read
        + summary.errors.write + summary.errors.timeout + summary.errors.status))
end
EOF
} >"$W/invoke.lua"

# run NAME PORT STORE: one wrk run, its BENCHC line
run() {
    local name=$1 port=$2 store=$3 ports w e r c0 e0 r0 q0 out line
    if [ "$store" = single ]; then ports=$REDIS_PORT
    else ports=$(seq $((REDIS_PORT + 1)) $((REDIS_PORT + 6)) | tr '\n' ' '); fi
    w=$(pgrep -P "$(cat "$STATE/$store/nginx.pid")" | tr '\n' ' ')
    e="${PIDS[*]}"
    r=$(for p in $ports; do redis-cli -p "$p" info server | sed -n 's/^process_id:\([0-9]*\).*/\1/p'; done | tr -d '\r' | tr '\n' ' ')
    wrk -t 1 -c 8 -d 2s -s "$W/invoke.lua" "http://127.0.0.1:$port/" >/dev/null 2>&1
    # shellcheck disable=SC2086
    { c0=$(stack_cpu_ticks $w); e0=$(stack_cpu_ticks $e); r0=$(stack_cpu_ticks $r); q0=$(stack_redis_cmds $ports); }
    out=$(wrk -t 1 -c 8 -d "${SECS}s" --latency -s "$W/invoke.lua" \
              "http://127.0.0.1:$port/" 2>&1) || die "wrk $name: $out"
    line=$(grep '^BENCH ' <<<"$out") || die "wrk $name: $out"
    # shellcheck disable=SC2086
    echo "BENCHC $name ${line#BENCH } nginx_ticks=$(($(stack_cpu_ticks $w) - c0)) echo_ticks=$(($(stack_cpu_ticks $e) - e0)) redis_ticks=$(($(stack_cpu_ticks $r) - r0)) redis_cmds=$(($(stack_redis_cmds $ports) - q0)) hz=$HZ"
}

for ttl in 1s 0; do
    start_nginx single "127.0.0.1:$REDIS_PORT" "$PORT" "$ttl"
    start_nginx cluster "$CLUSTER" $((PORT + 3)) "$ttl"
    for n in 1 2 3; do
        run "single-ttl$ttl-hosts$n" $((PORT + n - 1)) single
        run "cluster-ttl$ttl-hosts$n" $((PORT + 3 + n - 1)) cluster
    done
done
