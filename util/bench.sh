#!/usr/bin/env bash
# util/bench.sh: `make bench`.  Measures fngate on this machine and prints
# one table.  Not a test: nothing here runs in `make test`.
#
# Starts everything it needs on loopback (util/stack.sh) and stops it on
# exit: libvirtd and virtlogd (only when not running), a Redis of its own,
# fcgi-echo, fngated (conf/fngated.conf with -o overrides; guests named
# PREFIX-N, never another prefix) and an nginx generated from
# conf/nginx.conf with three servers:
#
#   PORT      the product: fngate on, fastcgi_pass to fngated
#   PORT+1    fngate on, fastcgi_pass to fcgi-echo (the gateway alone)
#   PORT+2    no module, fastcgi_pass to the same fcgi-echo (the baseline)
#
# Then: (1) gateway overhead with wrk, and in instructions under callgrind
# (util/bench-cg.sh), (2) warm Invoke through the whole
# path with 1 and 2 connections of a no-op function three ways: a static
# one-shot handler (fork+exec per call), and three persistent runtimes on
# the Runtime API, python3.11, nodejs20.x (or 18.x) and a provided
# bootstrap (a static C loop), and (2b) a call of an idempotent function
# answered with its stored result (docs/idempotency.md),
# (3) cold starts of new accounts and guest boot times, (3c) cold starts of
# a python3.11 no-op with function snapshots off and on, (4) host memory
# per idle guest, with the host's KSM as found and, when it was off and may
# be switched, on until it settles, (5) kvm or tcg, (6) a call through a
# cross-account alias against the same call by full ARN (a second account
# B; its alias xbench:live points at version 1 of the bench function),
# through the whole path and through the gateway alone, (7) a burst of
# first calls, four times the warm set, (11) suspended waits: checkpoint
# and restore of a python3.11 call waiting on another, (12) template clones
# against full images: cold starts with and without a warm VM, host
# memory per idle guest, a burst of 24 first calls over 3 accounts,
# (14) provisioned concurrency: READY time, a kept sandbox's first call,
# wrk through it; the python3.11 warm path with sandboxes_per_vm = 1.
# (15) the gateway with 1, 2 and 3 fngated hosts and on a Redis Cluster
# (util/bench-cluster.sh), (16) the failover tests' long version on a local
# cluster (util/cluster-stories.sh).
# (9) optional (FNGATE_BENCH_ESM):
# an event source mapping draining a filled queue, the time from
# SendMessage to the handler idle and under a backlog, and a FIFO queue's
# data set split over groups drained.
#
# Environment: FNGATE_BENCH_STATE (default CHECKOUT/.fngate/bench),
# FNGATE_BENCH_PORT (18480; uses it and the next two),
# FNGATE_BENCH_REDIS_PORT (16480), FNGATE_REDIS_MAXMEMORY (2gb, as `fngate
# up`; noeviction), FNGATE_BENCH_SECONDS (10, per wrk run),
# FNGATE_BENCH_COLD (3, new accounts for the cold starts),
# FNGATE_BENCH_PREFIX (fgbench: the guests' names PREFIX-N; two benches on
# one host need two), FNGATE_BENCH_KSM (1: measure with KSM on too when it
# is off and writable, with the guests' RAM mergeable, mem_merge = 1, as
# `fngate up --ksm` runs them; 0: not, and mem_merge = 0),
# FNGATE_BENCH_ESM (0: off; N: section 9 with an N-message queue, e.g.
# 10000), FNGATE_BENCH_ESM_BATCH (100), FNGATE_BENCH_ESM_WINDOW (1),
# FNGATE_BENCH_ESM_BACKLOG (200), FNGATE_BENCH_ESM_GROUPS (10),
# FNGATE_BENCH_SUSPEND (5: calls in section 11), FNGATE_BENCH_SUSPEND_SLEEP
# (3: seconds each waits on its child), FNGATE_BENCH_CLONE_WARM (4),
# FNGATE_BENCH_CLONE_MAX (32), FNGATE_BENCH_CLONE_N (10),
# FNGATE_BENCH_CLONE_NOWARM (5) (section 12), FNGATE_BENCH_PC_N (2)
# (section 14), FNGATE_BENCH_CLUSTER_FAULT_SECS (120: each failover phase of
# section 16), BUILD.

set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/util/stack.sh"
STATE=${FNGATE_BENCH_STATE:-$ROOT/.fngate/bench}
PORT=${FNGATE_BENCH_PORT:-18480}
ECHO_PORT=$((PORT + 1))
PLAIN_PORT=$((PORT + 2))
REDIS_PORT=${FNGATE_BENCH_REDIS_PORT:-16480}
SECS=${FNGATE_BENCH_SECONDS:-10}
COLD=${FNGATE_BENCH_COLD:-3}
PREFIX=${FNGATE_BENCH_PREFIX:-fgbench}
BENCH_KSM=${FNGATE_BENCH_KSM:-1}
KSM=/sys/kernel/mm/ksm
NGINX=/usr/sbin/nginx
PY=/usr/bin/python3
LIBVIRT_URI=qemu:///system
FN=bench-noop
INVOKE_PATH=/2015-03-31/functions/$FN/invocations
HZ=$(getconf CLK_TCK)

FLOG=$STATE/fngated/fngated.log
ALOG=$STATE/nginx/logs/access.log

started=()      # what to stop, in reverse order
T0=$(date +%s)

note() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

alive() { stack_alive "$@"; }
stop_pid() { stack_stop_pid "$@"; }

cleanup() {
    local i what
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
        what=${started[$i]}
        case $what in
            redis) redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave \
                       >/dev/null 2>&1 || true ;;
            nginx:*) stop_pid "${what#nginx:}" QUIT ;;
            pid:*) stop_pid "${what#pid:}" ;;
            ksm:*) ksm_put "${what#ksm:}" ;;
        esac
    done
    started=()
    # the guests' template RAM (docs/vms.md "Template clones"), as
    # `fngate down` does: its fngateds are stopped
    rm -f /dev/shm/"$PREFIX"-template-*.ram
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_for() { stack_wait "$@" || die "$2 not within ${1}s"; }

# ksm_get: "RUN PAGES_TO_SCAN SLEEP_MILLISECS" of the host's KSM.
ksm_get() {
    echo "$(cat "$KSM/run") $(cat "$KSM/pages_to_scan") $(cat "$KSM/sleep_millisecs")"
}

# ksm_put "RUN PAGES SLEEP": gives KSM back those settings.  From run 0 the
# pages merged meanwhile (also other guests') are unmerged first (run 2),
# so the host is left as it was found.
ksm_put() {
    local run pages sleep_ms
    read -r run pages sleep_ms <<<"$1"
    [ "$run" = 0 ] && echo 2 >"$KSM/run"
    echo "$pages" >"$KSM/pages_to_scan"
    echo "$sleep_ms" >"$KSM/sleep_millisecs"
    echo "$run" >"$KSM/run"
}

for f in "$BUILD/fngated" "$BUILD/fcgi-echo" "$BUILD/ngx_http_fngate_module.so" \
         "$BUILD/initramfs.cpio.gz"; do
    [ -e "$f" ] || die "$f is not built (make build)"
done
[ -e "$ROOT/.fngate/kernel/vmlinuz" ] ||
    die "no guest kernel in $ROOT/.fngate/kernel (make build)"
[[ "$PREFIX" =~ ^[A-Za-z0-9_-]{1,32}$ ]] ||
    die "FNGATE_BENCH_PREFIX must be 1-32 of A-Z a-z 0-9 _ -"
for c in wrk redis-server redis-cli curl jq zip gcc "$NGINX" "$PY"; do
    command -v "$c" >/dev/null || die "$c is missing (make deps)"
done
for p in "$PORT" "$ECHO_PORT" "$PLAIN_PORT" "$REDIS_PORT"; do
    if (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        die "port $p is taken (set FNGATE_BENCH_PORT / FNGATE_BENCH_REDIS_PORT)"
    fi
done

# A fresh state directory, keeping the cached kvm probe (a probe costs a
# guest boot, 15 s when kvm hangs); seeded from `make run`'s when absent.
probe=''
if [ -s "$STATE/vm/accel-probe" ]; then
    probe=$(cat "$STATE/vm/accel-probe")
elif [ -s "$ROOT/.fngate/vm/accel-probe" ]; then
    probe=$(cat "$ROOT/.fngate/vm/accel-probe")
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{redis,nginx/logs,nginx/temp,fngated,vm,echo,work}
[ -n "$probe" ] && printf '%s\n' "$probe" >"$STATE/vm/accel-probe"
ln -s "$ROOT/.fngate/kernel" "$STATE/kernel"
W=$STATE/work

# ------------------------------------------------------------ the stack

lv=$(stack_libvirt) || die "libvirtd is not usable"
while read -r _ name pid; do
    [ -n "${pid:-}" ] && started+=("pid:$pid")
done <<<"$lv"

started+=(redis)
stack_redis "$STATE/redis" "$REDIS_PORT" "${FNGATE_REDIS_MAXMEMORY:-2gb}" ||
    die "redis did not come up"

setsid "$BUILD/fcgi-echo" "unix:$STATE/echo/fcgi-echo.sock" 4 </dev/null \
    >"$STATE/echo/fcgi-echo.log" 2>&1 &
ECHO_PID=$!
started+=("pid:$ECHO_PID")

# bench_fngated [KEY=VALUE]...: (re)starts fngated with this bench's keys
# and these over them, and waits until it is ready (its pid file).
bench_fngated() {
    local rc=0
    [ -n "${FNGATED_PID:-}" ] && stop_pid "$FNGATED_PID"
    stack_fngated "$STATE" "$REDIS_PORT" "name_prefix=$PREFIX" \
        idle_timeout=900 "mem_merge=$BENCH_KSM" "gateway=127.0.0.1:$PORT" \
        "$@" || rc=$?
    started+=("pid:$FNGATED_PID")
    [ "$rc" = 0 ] || die "fngated did not come up; see $FLOG"
}
bench_fngated

# nginx: the template as `fngate up` fills it, plus the two echo servers.
NCONF=$STATE/nginx/nginx.conf
stack_fill "$ROOT/conf/nginx.conf" "$NCONF.tmp" "$STATE" "$PORT" "$REDIS_PORT"
[ "$(tail -n 1 "$NCONF.tmp")" = "}" ] ||
    die "conf/nginx.conf does not end with the http block's }"
{
    sed '$d' "$NCONF.tmp"
    # the gateway alone, and the baseline without the module; both pass
    # the same params to the same fcgi-echo
    stack_server "$ECHO_PORT" "$STATE/echo/fcgi-echo.sock" on
    stack_server "$PLAIN_PORT" "$STATE/echo/fcgi-echo.sock"
    echo "}"
} >"$NCONF"
rm -f "$NCONF.tmp"

wait_for 10 fcgi-echo stack_unix_socket_answers "$STATE/echo/fcgi-echo.sock"
stack_nginx "$STATE/nginx" "$NCONF" "$PORT" || die "nginx did not come up"
started+=("nginx:$NGINX_PID")
note "stack up: nginx $NGINX_PID, fngated $FNGATED_PID, fcgi-echo $ECHO_PID, redis :$REDIS_PORT"

# ------------------------------------------------------------ helpers

# py MODE ...: util/bench.py (sign, create, call; its header).
py() { "$PY" "$ROOT/util/bench.py" "$@"; }

account_new() {
    # account_new NAME: prints "ID AKID SECRET".
    FNGATE_STATE=$STATE FNGATE_REDIS_PORT=$REDIS_PORT \
        "$ROOT/util/fngate" admin account create "$1" |
        jq -r '"\(.AccountId) \(.AccessKeyId) \(.SecretAccessKey)"'
}

# wrk_script FILE PORT AKID SECRET [count [PATH]]: a wrk script that POSTs
# {} to the Invoke path (or PATH) with a SigV4 signature made now (valid for
# the clock skew, 5 min); with "count" it also counts 200s and function
# errors.
wrk_script() {
    local file=$1 port=$2 akid=$3 secret=$4 count=${5:-} path=${6:-$INVOKE_PATH}
    {
        echo 'wrk.method = "POST"'
        echo 'wrk.body = "{}"'
        py sign POST "http://localhost$path" '{}' "$akid" "$secret" |
            while IFS=': ' read -r k v; do
                printf 'wrk.headers["%s"] = "%s"\n' "$k" "$v"
            done
        cat <<'EOF'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; ferr = 0 end
EOF
        if [ -n "$count" ]; then
            cat <<'EOF'
function response(status, headers, body)
    if status == 200 then ok = ok + 1 end
    if headers["X-Amz-Function-Error"] then ferr = ferr + 1 end
end
EOF
        fi
        cat <<'EOF'
function done(summary, latency, requests)
    local o, f = 0, 0
    for _, t in ipairs(threads) do o = o + t:get("ok"); f = f + t:get("ferr") end
    local e = summary.errors
    io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d "
        .. "max_us=%d errors=%d status_errors=%d ok=%d function_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50),
        latency:percentile(99), latency.max,
        e.connect + e.read + e.write + e.timeout, e.status, o, f))
end
EOF
    } >"$file"
}

# field LINE NAME: the value of NAME=... in a BENCH line.
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<" $1"; }

nginx_workers() { pgrep -P "$NGINX_PID" | tr '\n' ' '; }

# run_wrk NAME PORT CONNS SECONDS SCRIPT [PATH]: runs wrk, prints the BENCH
# line with the nginx workers' and fcgi-echo's CPU ticks appended.
run_wrk() {
    local name=$1 port=$2 conns=$3 secs=$4 script=$5 path=${6:-$INVOKE_PATH} w c0 e0 out line
    w=$(nginx_workers)
    c0=$(stack_cpu_ticks $w)
    e0=$(stack_cpu_ticks "$ECHO_PID")
    out=$(wrk -t 1 -c "$conns" -d "${secs}s" --timeout 30s --latency \
              -s "$script" "http://127.0.0.1:$port$path" 2>&1) ||
        die "wrk $name failed: $out"
    echo "$out" >"$W/wrk-$name.txt"
    line=$(grep '^BENCH ' <<<"$out") || die "wrk $name printed no result: $out"
    echo "$line nginx_ticks=$(($(stack_cpu_ticks $w) - c0)) echo_ticks=$(($(stack_cpu_ticks "$ECHO_PID") - e0))"
}

# warm_free [FROM]: generic guests booted and not yet assigned to an
# account, from vmpool's log lines "NAME: warm (boot|restore|clone N ms,
# ACCEL)" and "NAME: assigned to account A", counted from line FROM (1:
# the whole log; a restarted fngated's own lines).
warm_free() {
    local w a
    w=$(tail -n +"${1:-1}" "$FLOG" 2>/dev/null |
        grep -c -E ": warm \((boot|restore|clone) " || true)
    a=$(tail -n +"${1:-1}" "$FLOG" 2>/dev/null |
        grep -c ": assigned to account " || true)
    echo $((w - a))
}

# wait_warm SECONDS [N [FROM]]: until the pool has N (1) warm generic
# guests (warm_free FROM), so nothing boots in the background (with warm
# = N) and the next new account finds one, as in steady state.  Then a
# second for the guests to settle.
wait_warm() {
    local secs=$1 i
    for ((i = 0; i < secs * 10; i++)); do
        if [ "$(warm_free "${3:-1}")" -ge "${2:-1}" ]; then
            sleep 1
            return 0
        fi
        alive "$FNGATED_PID" || die "fngated exited; see $FLOG"
        sleep 0.1
    done
    die "no ${2:-1} warm guest(s) within ${secs}s; see $FLOG"
}

# first_invoke NAME WHAT [warm]: a new account NAME with the no-op function,
# then its first Invoke (once a warm generic guest is there, with "warm");
# dies naming WHAT.  Sets call_acct, call_ttfb (ms) and call_log (the
# Invoke's access-log line).
first_invoke() {
    local name=$1 what=$2 k s out lines0
    read -r call_acct k s < <(account_new "$name")
    py create "http://127.0.0.1:$PORT" "$k" "$s" "$FN" "$W/noop.zip" handler >/dev/null ||
        die "CreateFunction ($what) failed"
    if [ "${3:-}" = warm ]; then
        wait_warm 180
    fi
    py sign POST "http://localhost$INVOKE_PATH" '{}' "$k" "$s" >"$W/hdrs"
    lines0=$(wc -l <"$ALOG")
    out=$(curl -s -o "$W/cold.out" -w '%{http_code} %{time_starttransfer}' \
            -H @"$W/hdrs" --data '{}' "http://127.0.0.1:$PORT$INVOKE_PATH")
    [ "${out%% *}" = 200 ] || die "$what call: $out $(cat "$W/cold.out")"
    call_ttfb=$(awk -v t="${out#* }" 'BEGIN { printf "%.1f", t * 1000 }')
    call_log=$(tail -n +"$((lines0 + 1))" "$ALOG" |
               jq -c 'select(.action == "Invoke")' | head -n 1)
}

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
maxof() { sort -n | tail -n 1; }

# ------------------------------------------------------------ setup

# The no-op handler: a static binary that copies stdin to stdout.
cat >"$W/noop.c" <<'EOF'
#include <unistd.h>
int main(void) { char b[4096]; ssize_t n;
    while ((n = read(0, b, sizeof b)) > 0) if (write(1, b, n) != n) return 1;
    return 0; }
EOF
gcc -static -Os -s -o "$W/handler" "$W/noop.c" || die "gcc -static failed"
(cd "$W" && zip -q -X noop.zip handler)

read -r ACCT AKID SECRET < <(account_new bench) || die "account create failed"
size=$(py create "http://127.0.0.1:$PORT" "$AKID" "$SECRET" "$FN" "$W/noop.zip" handler) ||
    die "CreateFunction failed"
note "account $ACCT, function $FN ($size bytes zipped, static no-op)"

# Two persistent runtimes with the same no-op, started once per guest and
# handed each call on the Runtime API: python3.11 (def handler(event,
# context): return event) and a provided bootstrap, a static C program that
# loops on one keep-alive HTTP/1.1 connection (GET .../next, then POST
# .../response with the event), as a custom runtime in C would.
printf 'def handler(event, context):\n    return event\n' >"$W/noop.py"
(cd "$W" && zip -q -X noop-py.zip noop.py)
cat >"$W/bootstrap.c" <<'EOF'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
static char in[7 << 20], out[7 << 20], api[64];
static size_t have;
static int s;
static void die(const char *m) { fprintf(stderr, "bootstrap: %s\n", m); exit(1); }
static void send_all(const char *p, size_t n) {
    ssize_t w;
    for (; n > 0; p += w, n -= (size_t) w)
        if ((w = write(s, p, n)) <= 0) die("write");
}
static void fill(void) {
    ssize_t n = read(s, in + have, sizeof in - 1 - have);
    if (n <= 0) die("read");
    have += (size_t) n;
    in[have] = '\0';
}
/* One answer: its status; its body at *body, *blen; the request id. */
static int answer(char **body, size_t *blen, char *id) {
    char *end, *h, *v;
    size_t clen = 0;
    while ((end = strstr(in, "\r\n\r\n")) == NULL)
        if (have < sizeof in - 1) fill(); else die("head too large");
    for (h = strstr(in, "\r\n"); h < end; h = strstr(h + 2, "\r\n")) {
        if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
            clen = strtoul(h + 17, NULL, 10);
        if (strncasecmp(h + 2, "Lambda-Runtime-Aws-Request-Id:", 30) == 0) {
            for (v = h + 32; *v == ' '; v++) { }
            snprintf(id, 128, "%.*s", (int) strcspn(v, "\r"), v);
        }
    }
    *body = end + 4;
    *blen = clen;
    if ((size_t) (*body - in) + clen >= sizeof in) die("answer too large");
    while (have < (size_t) (*body - in) + clen) fill();
    return atoi(in + 9);
}
static void consume(const char *body, size_t blen) {
    size_t used = (size_t) (body - in) + blen;
    memmove(in, in + used, have - used + 1);
    have -= used;
}
int main(void) {
    const char *a = getenv("AWS_LAMBDA_RUNTIME_API");
    struct sockaddr_in sa = { .sin_family = AF_INET };
    char id[128], *body;
    size_t blen;
    int n, on = 1;
    if (a == NULL || strchr(a, ':') == NULL || strlen(a) >= sizeof api)
        die("no AWS_LAMBDA_RUNTIME_API");
    strcpy(api, a);
    sa.sin_port = htons((unsigned short) atoi(strchr(api, ':') + 1));
    *strchr(api, ':') = '\0';
    if (inet_pton(AF_INET, api, &sa.sin_addr) != 1) die("bad address");
    strcpy(api, a);
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *) &sa, sizeof sa) < 0) die("connect");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    for (;;) {
        n = snprintf(out, sizeof out, "GET /2018-06-01/runtime/invocation/next"
            " HTTP/1.1\r\nHost: %s\r\n\r\n", api);
        send_all(out, (size_t) n);
        id[0] = '\0';
        if (answer(&body, &blen, id) != 200) die("next failed");
        n = snprintf(out, sizeof out, "POST /2018-06-01/runtime/invocation/%s/response"
            " HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n\r\n", id, api, blen);
        if ((size_t) n + blen > sizeof out) die("result too large");
        memcpy(out + n, body, blen);
        consume(body, blen);
        send_all(out, (size_t) n + blen);
        if (answer(&body, &blen, id) >= 300) die("response refused");
        consume(body, blen);
    }
}
EOF
gcc -static -O2 -s -o "$W/bootstrap" "$W/bootstrap.c" || die "gcc -static (bootstrap) failed"
(cd "$W" && zip -q -X noop-rt.zip bootstrap)
py create "http://127.0.0.1:$PORT" "$AKID" "$SECRET" "$FN-py" "$W/noop-py.zip" \
    noop.handler python3.11 >/dev/null || die "CreateFunction ($FN-py) failed"
# The Node.js runtime the runtime disk carries (nodejs18.x or nodejs20.x),
# with exports.handler = async (event) => event; a Timeout of 30 s, as
# node's start under TCG on a busy host (two guests starting it at once in
# first_calls) can take more than the 8 s a call gives init beyond its
# Timeout.
NODE_RT=$(basename "$(ls -d "$BUILD"/runtimes/nodejs*.x | head -n 1)")
printf 'exports.handler = async (event) => event;\n' >"$W/index.js"
(cd "$W" && zip -q -X noop-node.zip index.js)
py create "http://127.0.0.1:$PORT" "$AKID" "$SECRET" "$FN-node" "$W/noop-node.zip" \
    index.handler "$NODE_RT" 30 >/dev/null || die "CreateFunction ($FN-node) failed"
size=$(py create "http://127.0.0.1:$PORT" "$AKID" "$SECRET" "$FN-rt" "$W/noop-rt.zip" \
        noop provided) || die "CreateFunction ($FN-rt) failed"
note "functions $FN-py (python3.11), $FN-node ($NODE_RT) and $FN-rt (provided, $size bytes zipped)"

note "waiting for the first warm guest"
wait_warm 240

# ------------------------------------------------------------ 1: gateway

py sign POST "http://localhost$INVOKE_PATH" '{}' "$AKID" "$SECRET" >"$W/hdrs"
out=$(curl -s -w '\n%{http_code}' -H @"$W/hdrs" --data '{}' \
        "http://127.0.0.1:$ECHO_PORT$INVOKE_PATH")
grep -q "\"FNGATE_CALLER\":\"$ACCT\"" <<<"$out" && [ "${out##*$'\n'}" = 200 ] ||
    die "the gateway to fcgi-echo did not pass the signed call: $out"
out=$(curl -s -w '\n%{http_code}' -H @"$W/hdrs" --data '{}' \
        "http://127.0.0.1:$PLAIN_PORT$INVOKE_PATH")
[ "${out##*$'\n'}" = 200 ] || die "plain fastcgi_pass failed: $out"

note "gateway overhead: wrk ${SECS}s, 4 connections, module vs plain"
declare -A R
for which in plain gw; do
    p=$PLAIN_PORT
    [ $which = gw ] && p=$ECHO_PORT
    wrk_script "$W/$which.lua" "$p" "$AKID" "$SECRET"
    run_wrk "$which-warmup" "$p" 4 2 "$W/$which.lua" >/dev/null
    if [ -n "${FNGATE_BENCH_PERF:-}" ]; then
        # FNGATE_BENCH_PERF=1: a perf profile of the nginx workers too.
        perf record -q -g -o "$W/perf-$which.data" -p "$(nginx_workers | tr ' ' ',' | sed 's/,$//')" \
            -- sleep $((SECS / 2)) >/dev/null 2>&1 &
        perf_pid=$!
    fi
    R[$which]=$(run_wrk "$which" "$p" 4 "$SECS" "$W/$which.lua")
    [ -z "${perf_pid:-}" ] || wait "$perf_pid" || true
    note "$which: ${R[$which]}"
done

# ------------------------------------------------------------ 1b: callgrind

# The same call through the gateway and the plain server counted in
# instructions (util/bench-cg.sh: one nginx under callgrind), a figure
# this host's noise does not move.
note "gateway instructions per call: util/bench-cg.sh"
R[cg]=$(FNGATE_CG_STATE=$STATE/cg FNGATE_CG_PORT=$((PORT + 100)) \
        FNGATE_CG_REDIS_PORT=$((REDIS_PORT + 100)) BUILD=$BUILD \
        "$ROOT/util/bench-cg.sh" | grep '^BENCHCG ') ||
    die "util/bench-cg.sh failed"
note "callgrind: ${R[cg]}"

# ------------------------------------------------------------ 2: warm

# Four kinds of the same no-op: "static" (FN: the one-shot handler, a
# fork+exec per call), "py", "node" and "rt" (FN-py, FN-node, FN-rt:
# persistent runtimes).
KINDS="static py node rt"
kind_fn() { case $1 in static) echo "$FN" ;; *) echo "$FN-$1" ;; esac; }
kind_label() {
    case $1 in
        static) echo "static no-op" ;;
        py) echo "python3.11 no-op" ;;
        node) echo "$NODE_RT no-op" ;;
        rt) echo "provided (C) no-op" ;;
    esac
}
# first_calls KIND: one call on each of the account's guests at once (at
# least one), so each has the function's code loaded and its runtime
# started before wrk: {"x":1} must come back.
first_calls() {
    local p i n out pids=()
    p=/2015-03-31/functions/$(kind_fn "$1")/invocations
    n=$(grep -c ": assigned to account $ACCT\$" "$FLOG" || true)
    [ "$n" -ge 1 ] || n=1
    py sign POST "http://localhost$p" '{"x":1}' "$AKID" "$SECRET" >"$W/hdrs-$1"
    for ((i = 1; i <= n; i++)); do
        curl -s -o "$W/first-$1-$i.out" -w '%{http_code}' -H @"$W/hdrs-$1" \
            --data '{"x":1}' "http://127.0.0.1:$PORT$p" >"$W/first-$1-$i.code" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for ((i = 1; i <= n; i++)); do
        # (python's json.dumps writes {"x": 1})
        out="$(jq -c . "$W/first-$1-$i.out" 2>/dev/null || cat "$W/first-$1-$i.out")"
        out+=$'\n'"$(cat "$W/first-$1-$i.code")"
        [ "$out" = $'{"x":1}\n200' ] || die "the $(kind_label "$1") function did not echo: $out"
    done
}

note "warm invoke: first calls (cold), then wrk 1 and 2 connections; $KINDS"
for k in $KINDS; do
    first_calls "$k"
    # The pool boots a replacement warm guest after a new guest of the
    # account; it would steal a CPU.
    wait_warm 180
    p=/2015-03-31/functions/$(kind_fn "$k")/invocations
    for c in 1 2; do
        wrk_script "$W/invoke-$k.lua" "$PORT" "$AKID" "$SECRET" count "$p"
        run_wrk "invoke-$k-warmup$c" "$PORT" "$c" 2 "$W/invoke-$k.lua" "$p" >/dev/null
        # A second connection makes the pool give the account a second guest
        # (a cold start) and boot a replacement: wait for that to end.
        wait_warm 180
        sleep 0.5       # the warm-up's last call, cut by wrk, is logged too
        R[vms_${k}_$c]=$(grep -c ": assigned to account $ACCT\$" "$FLOG" || true)
        lines0=$(wc -l <"$ALOG")
        R[inv_${k}_$c]=$(run_wrk "invoke-$k$c" "$PORT" "$c" "$SECS" "$W/invoke-$k.lua" "$p")
        # The handler's own time, from the billing lines of this run: the
        # agent's, from the event handed over to the result posted.
        R[dur_${k}_$c]=$(tail -n +"$((lines0 + 1))" "$ALOG" |
                         jq -r 'select(.action == "Invoke") | .duration_ms' | median)
        note "invoke $k c=$c: ${R[inv_${k}_$c]} handler_p50_ms=${R[dur_${k}_$c]}"
    done
done

# ------------------------------------------------------------ 2b: idempotent hit

# FN-idem, a one-shot handler declared idempotent with no dependency
# (FngateIdempotency, docs/idempotency.md): its first call runs and stores
# its result; every later call of the same event is answered from Redis,
# without a guest.  wrk with 1 and 2 connections, as the warm rows; the
# billing lines of each run say how many were hits and what they billed.
printf '#!/bin/sh\ncat\n' >"$W/handler-idem"
chmod 755 "$W/handler-idem"
(cd "$W" && rm -f idem.zip && zip -q -X idem.zip handler-idem)
python3 - "$W/idem.zip" "$FN-idem" >"$W/idem-create.json" <<'EOF'
import base64, json, sys
print(json.dumps({"FunctionName": sys.argv[2], "Runtime": "provided",
    "Handler": "handler-idem", "Role": "arn:aws:iam::000000000000:role/b",
    "Code": {"ZipFile": base64.b64encode(open(sys.argv[1], "rb").read()).decode()},
    "FngateIdempotency": {"Dependencies": [], "ResultTtlSeconds": 3600}}), end="")
EOF
py sign POST "http://localhost/2015-03-31/functions" "$(cat "$W/idem-create.json")" \
    "$AKID" "$SECRET" >"$W/hdrs-idem-create"
out=$(curl -s -w '\n%{http_code}' -H @"$W/hdrs-idem-create" \
        --data-binary @"$W/idem-create.json" "http://127.0.0.1:$PORT/2015-03-31/functions")
[ "${out##*$'\n'}" = 201 ] || die "CreateFunction ($FN-idem) failed: $out"
IDEM_PATH=/2015-03-31/functions/$FN-idem/invocations
py sign POST "http://localhost$IDEM_PATH" '{}' "$AKID" "$SECRET" >"$W/hdrs-idem"
lines0=$(wc -l <"$ALOG")
out=$(curl -s -w '\n%{http_code}' -H @"$W/hdrs-idem" --data '{}' \
        "http://127.0.0.1:$PORT$IDEM_PATH")
[ "$out" = $'{}\n200' ] || die "the idempotent function did not echo: $out"
sleep 0.5
first=$(tail -n +"$((lines0 + 1))" "$ALOG" |
        jq -r 'select(.action == "Invoke") | .idempotent')
[ "$first" = stored ] || die "the idempotent function's first call was not stored: $first"
wait_warm 180
note "idempotent hit: wrk 1 and 2 connections"
for c in 1 2; do
    wrk_script "$W/invoke-idem.lua" "$PORT" "$AKID" "$SECRET" count "$IDEM_PATH"
    run_wrk "invoke-idem-warmup$c" "$PORT" "$c" 2 "$W/invoke-idem.lua" "$IDEM_PATH" >/dev/null
    sleep 0.5       # the warm-up's last call, cut by wrk, is logged too
    lines0=$(wc -l <"$ALOG")
    R[inv_idem_$c]=$(run_wrk "invoke-idem$c" "$PORT" "$c" "$SECS" "$W/invoke-idem.lua" "$IDEM_PATH")
    sleep 0.5
    # the billing lines of the run: "N hit", and the billed ms summed
    R[hits_idem_$c]=$(tail -n +"$((lines0 + 1))" "$ALOG" |
        jq -r 'select(.action == "Invoke") | "\(.idempotent) \(.billed_ms)"' |
        awk '{ n[$1]++; b += $2 } END { for (k in n) printf "%d %s, ", n[k], k; printf "billed %d ms", b }')
    note "idempotent c=$c: ${R[inv_idem_$c]} (${R[hits_idem_$c]})"
done

# ------------------------------------------------------------ 6: cross-account alias

# Account A (the bench account) publishes version 1 and grants account B
# lambda:InvokeFunction; B names A's version 1 as its own alias
# xbench:live.  Both requests below are B's and run A's code in B's one
# guest: (a) by A's full ARN, (b) through B's alias.  So the guest, its
# warmth, the pool key and the billing are the same, and the difference is
# what the module does for the alias (B's alias record, then A's grant, as
# for (a); both cached per worker for fngate_cache_ttl).
note "cross-account alias: account B, alias xbench:live -> $FN:1 of account $ACCT"
EP=http://127.0.0.1:$PORT
FN_ARN=arn:aws:lambda:us-east-1:$ACCT:function:$FN
XA_DIRECT_PATH=/2015-03-31/functions/$FN_ARN:1/invocations
XA_ALIAS_PATH=/2015-03-31/functions/xbench:live/invocations
out=$(py call "$EP" "$AKID" "$SECRET" publish_version "{\"FunctionName\":\"$FN\"}") ||
    die "PublishVersion failed: $out"
[ "$(jq -r .Version <<<"$out")" = 1 ] || die "PublishVersion did not make version 1: $out"
read -r BACCT BAKID BSECRET < <(account_new bench-xb) || die "account create (B) failed"
out=$(py call "$EP" "$AKID" "$SECRET" add_permission \
        "{\"FunctionName\":\"$FN\",\"StatementId\":\"xbench\",\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"$BACCT\"}") ||
    die "AddPermission failed: $out"
out=$(py call "$EP" "$BAKID" "$BSECRET" create_alias \
        "{\"FunctionName\":\"xbench\",\"Name\":\"live\",\"FunctionVersion\":\"$FN_ARN:1\"}") ||
    die "CreateAlias (B) failed: $out"
note "account B $BACCT: $(jq -r .AliasArn <<<"$out") -> $(jq -r .FunctionVersion <<<"$out")"
# signed_put WHO_AKID WHO_SECRET PATH BODY: fngate's own calls (curl).
signed_put() {
    py sign PUT "http://localhost$3" "$4" "$1" "$2" >"$W/hdrs"
    curl -s -o /dev/null -w '%{http_code}' -X PUT -H @"$W/hdrs" --data "$4" \
        "http://127.0.0.1:$PORT$3"
}
# The alias carries an override (a variable A allows), so (b) pays for
# reading the alias's overrides and A's bounds in fngated as well.
out=$(signed_put "$AKID" "$SECRET" "/2015-03-31/functions/$FN/execution-bounds" \
        '{"AllowEnvironment":true}')
[ "$out" = 200 ] || die "PutExecutionBounds (A) failed: $out"
out=$(signed_put "$BAKID" "$BSECRET" /2015-03-31/functions/xbench/aliases/live/overrides \
        '{"Environment":{"Variables":{"TENANT":"bench"}}}')
[ "$out" = 200 ] || die "PutAliasOverrides (B) failed: $out"

# xa_path WHICH: the Invoke path of (a) "direct" or (b) "alias";
# xa_order PASS: the two in pass 1 (ARN first) and pass 2 (alias first).
xa_path() { if [ "$1" = alias ]; then echo "$XA_ALIAS_PATH"; else echo "$XA_DIRECT_PATH"; fi; }
xa_order() { if [ "$1" = 1 ]; then echo "direct alias"; else echo "alias direct"; fi; }
# xa_warmup TAG PORT WHICH PASS: B's wrk script for the calls WHICH to PORT
# ($W/TAG-WHICH.lua) and its 2 s warm-up; sets p (the path) and k (the
# result key).
xa_warmup() {
    local tag=$1 port=$2 which=$3 pass=$4
    p=$(xa_path "$which")
    k=${which}_$pass
    wrk_script "$W/$tag-$which.lua" "$port" "$BAKID" "$BSECRET" count "$p"
    run_wrk "$tag-$k-warmup" "$port" 1 2 "$W/$tag-$which.lua" "$p" >/dev/null
}

# First calls: (a) is B's cold start (B's first guest), (b) then runs warm.
for which in direct alias; do
    p=$(xa_path $which)
    py sign POST "http://localhost$p" '{"x":1}' "$BAKID" "$BSECRET" >"$W/hdrs"
    out=$(curl -s -D "$W/xa-$which.hdrs" -w '\n%{http_code}' -H @"$W/hdrs" --data '{"x":1}' \
            "http://127.0.0.1:$PORT$p")
    [ "$out" = $'{"x":1}\n200' ] || die "B's call ($which) did not echo: $out"
    grep -qi '^X-Amz-Executed-Version: 1' "$W/xa-$which.hdrs" ||
        die "B's call ($which) did not run version 1: $(cat "$W/xa-$which.hdrs")"
    out=$(curl -s -w '\n%{http_code}' -H @"$W/hdrs" --data '{"x":1}' \
            "http://127.0.0.1:$ECHO_PORT$p")
    [ "${out##*$'\n'}" = 200 ] && grep -q "\"FNGATE_CALLER\":\"$BACCT\"" <<<"$out" &&
        grep -q "\"FNGATE_OWNER\":\"$ACCT\"" <<<"$out" ||
        die "the gateway to fcgi-echo did not pass B's call ($which): $out"
    if [ $which = alias ]; then
        grep -q '"FNGATE_ALIAS":"arn:[^"]*:xbench:live"' <<<"$out" ||
            die "the gateway did not resolve B's alias: $out"
    fi
done
# B's cold start took the warm guest; the pool boots a replacement.
wait_warm 180
# Two passes, (a) then (b), and (b) then (a): neither gains from going
# second.
for pass in 1 2; do
    for which in $(xa_order $pass); do
        xa_warmup xa "$PORT" "$which" "$pass"
        sleep 0.5       # the warm-up's last call, cut by wrk, is logged too
        lines0=$(wc -l <"$ALOG")
        R[xa_$k]=$(run_wrk "xa-$k" "$PORT" 1 "$SECS" "$W/xa-$which.lua" "$p")
        R[xa_dur_$k]=$(tail -n +"$((lines0 + 1))" "$ALOG" |
                       jq -r 'select(.action == "Invoke") | .duration_ms' | median)
        # Every call of the run billed to B, and through the alias for
        # (b): "MATCHING/ALL" Invoke lines (with the one wrk cut at the
        # end).
        R[xa_bill_$k]=$(tail -n +"$((lines0 + 1))" "$ALOG" |
            jq -r --arg b "$BACCT" --arg w "$which" 'select(.action == "Invoke")
                | if .billing_account == $b and .owner != $b
                     and ((.alias != "") == ($w == "alias")) then 1 else 0 end' |
            awk '{ m += $1 } END { printf "%d/%d", m, NR }')
        note "x-account $which (pass $pass): ${R[xa_$k]} handler_p50_ms=${R[xa_dur_$k]} billed_as_expected=${R[xa_bill_$k]}"
    done
done
R[xa_vms]=$(grep -c ": assigned to account $BACCT\$" "$FLOG" || true)
for pass in 1 2; do
    for which in $(xa_order $pass); do
        xa_warmup xe "$ECHO_PORT" "$which" "$pass"
        # Redis commands per call: what the per-worker cache leaves to Redis.
        r0=$(stack_redis_cmds "$REDIS_PORT")
        R[xe_$k]=$(run_wrk "xe-$k" "$ECHO_PORT" 1 "$SECS" "$W/xe-$which.lua" "$p")
        R[xe_$k]+=" redis_cmds=$(($(stack_redis_cmds "$REDIS_PORT") - r0))"
        note "x-account gateway only $which (pass $pass): ${R[xe_$k]}"
    done
done

# ------------------------------------------------------------ 3: cold

note "cold starts: $COLD new accounts"
cold_ttfb=() cold_init=()
for ((i = 1; i <= COLD; i++)); do
    # A warm generic guest must be there, as in steady state.
    first_invoke "bench-cold-$i" "cold $i" warm
    cold_ttfb+=("$call_ttfb")
    cold_init+=("$(jq -r '"\(.init_ms) \(.cold_start) \(.duration_ms)"' <<<"$call_log")")
    note "cold $i (account $call_acct): ttfb ${cold_ttfb[-1]} ms, init_ms/cold_start/duration_ms ${cold_init[-1]}"
done

# ------------------------------------------------------------ 4: memory

# mem_sample FILE: one line per qemu of a PREFIX-* guest, "NAME RSS_KB
# PSS_KB WHO" (smaps_rollup).
mem_sample() {
    local pid name rss pss who
    : >"$1"
    while read -r pid; do
        # (another stack's QEMU may exit between pgrep and here)
        name=$( (tr '\0' '\n' <"/proc/$pid/cmdline") 2>/dev/null |
                sed -n 's/^guest=\([^,]*\).*/\1/p')
        [[ "$name" == "$PREFIX"-* ]] || continue
        rss=$(awk '/^Rss:/ { print $2 }' "/proc/$pid/smaps_rollup")
        pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
        who=$(grep -o -E "^vmpool: $name: assigned to account [0-9]+" "$FLOG" |
              tail -n 1 | sed 's/.* account /idle, account /' || true)
        echo "$name $rss $pss ${who:-warm, generic}" >>"$1"
    done < <(pgrep -x qemu-system-x86 | sort -u)
    [ -s "$1" ] || die "found no qemu process of $PREFIX-* guests"
}

# pss_total: the PSS of all PREFIX-* guests, KiB.
pss_total() {
    mem_sample "$W/mem-now"
    awk '{ t += $3 } END { print t }' "$W/mem-now"
}

wait_warm 180
KSM0=''
[ -r "$KSM/run" ] && KSM0=$(ksm_get)
mem_sample "$W/mem-found"
MEM_FOUND="KSM off" MEM_FOUND_NOTE=''
if [ "${KSM0%% *}" = 1 ]; then
    MEM_FOUND="KSM on"
    MEM_FOUND_NOTE="; KSM as found: pages_to_scan $(cut -d' ' -f2 <<<"$KSM0"), sleep_millisecs $(cut -d' ' -f3 <<<"$KSM0")"
fi
[ -z "$KSM0" ] && MEM_FOUND="no KSM"

# With KSM off and switchable: on, with `fngate up --ksm`'s settings, until
# the guests' PSS stops falling (under 1% over two of KSM's full scans
# after the first two), at most 180 s; then the settings as found.
MEM_KSM=''
if [ "$BENCH_KSM" = 1 ] && [ "${KSM0%% *}" = 0 ] && [ -w "$KSM/run" ]; then
    started+=("ksm:$KSM0")
    echo 1000 >"$KSM/pages_to_scan"
    echo 20 >"$KSM/sleep_millisecs"
    scans0=$(cat "$KSM/full_scans")
    ksmd=$(pgrep -x ksmd | head -n 1)
    kt0=$(stack_cpu_ticks "$ksmd")
    t_ksm=$(date +%s%N)
    echo 1 >"$KSM/run"
    note "KSM on (pages_to_scan 1000, sleep_millisecs 20) until the guests' PSS settles"
    prev=$(pss_total) prev_scan=$scans0 settled=''
    for ((i = 0; i < 900; i++)); do
        sleep 0.2
        scan=$(cat "$KSM/full_scans")
        [ $((scan - prev_scan)) -ge 2 ] || continue
        cur=$(pss_total)
        if [ $((scan - scans0)) -ge 4 ] && [ $((prev - cur)) -lt $((prev / 100)) ]; then
            settled=1
            break
        fi
        prev=$cur prev_scan=$scan
    done
    ksm_ms=$((($(date +%s%N) - t_ksm) / 1000000))
    ksm_cpu=$(awk -v t="$(($(stack_cpu_ticks "$ksmd") - kt0))" -v hz="$HZ" -v ms="$ksm_ms" \
                 'BEGIN { printf "%.0f", t / hz * 1000 / ms * 100 }')
    mem_sample "$W/mem-ksm"
    MEM_KSM="; KSM $([ -n "$settled" ] && echo "settled in $((ksm_ms / 1000)) s" || echo "not settled in $((ksm_ms / 1000)) s"), ksmd ${ksm_cpu}% of a CPU meanwhile"
    ksm_put "$KSM0"
    unset 'started[-1]'
    note "KSM on: ${MEM_KSM#; }; settings put back ($KSM0)"
fi

# ------------------------------------------------------------ 3b: no warm VM

# fngated again with warm = 0: each new account's first call makes its VM
# while the call waits, from the snapshot (snapshot = 1) or by a boot
# (snapshot = 0).  TTFB of COLD calls each.
nowarm() { # nowarm SNAPSHOT: the TTFBs in ms, then the start kinds
    local snap=$1 i kinds=()
    local flog0
    flog0=$(wc -l <"$FLOG")
    bench_fngated warm=0 "snapshot=$snap"
    for ((i = 0; i < 1200; i++)); do
        { [ "$snap" = 0 ] || tail -n +"$((flog0 + 1))" "$FLOG" | grep -q 'snapshot: '; } &&
            break
        sleep 0.1
    done
    local ttfb=()
    for ((i = 1; i <= COLD; i++)); do
        first_invoke "bench-nowarm-$snap-$i" "no-warm $i"
        ttfb+=("$call_ttfb")
        kinds+=("$(jq -r '.start_kind' <<<"$call_log")")
    done
    echo "${ttfb[*]}"
    echo "${kinds[*]}"
}
note "cold starts without a warm VM: $COLD accounts restored, $COLD booted"
# (not in a subshell: FNGATED_PID and started must follow the restarts)
nowarm 1 >"$W/nowarm-restore"
nowarm 0 >"$W/nowarm-boot"
mapfile -t NW_RESTORE <"$W/nowarm-restore"
mapfile -t NW_BOOT <"$W/nowarm-boot"
note "no warm VM: restore ${NW_RESTORE[0]} ms (${NW_RESTORE[1]}), boot ${NW_BOOT[0]} ms (${NW_BOOT[1]})"

# ------------------------------------------------------------ 7: burst

# fngated again with warm = BURST_WARM (2) and the snapshot: once the warm
# set is full, one new account sends 4 x BURST_WARM first calls at once.
# The pool hands out the warm guests, restores more for the rest (up to
# max_vms) and queues what it cannot serve yet (queue_ms); none may fail.
BURST_WARM=2
note "burst: $((4 * BURST_WARM)) first calls at once against a warm set of $BURST_WARM"
flog0=$(wc -l <"$FLOG")
bench_fngated "warm=$BURST_WARM" snapshot=1
for ((i = 0; i < 1800; i++)); do
    [ "$(tail -n +"$((flog0 + 1))" "$FLOG" | grep -c ': warm (')" -ge "$BURST_WARM" ] && break
    sleep 0.1
done
sleep 1
read -r a k s < <(account_new bench-burst)
py create "http://127.0.0.1:$PORT" "$k" "$s" "$FN" "$W/noop.zip" handler >/dev/null ||
    die "CreateFunction (burst) failed"
py sign POST "http://localhost$INVOKE_PATH" '{}' "$k" "$s" >"$W/hdrs"
lines0=$(wc -l <"$ALOG")
burst_pids=()
for ((i = 0; i < 4 * BURST_WARM; i++)); do
    curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}\n' -H @"$W/hdrs" \
        --data '{}' "http://127.0.0.1:$PORT$INVOKE_PATH" >"$W/burst.$i" &
    burst_pids+=($!)
done
# (the curls only: fngated and fcgi-echo are background children too)
wait "${burst_pids[@]}"
BURST_CODES=$(cat "$W"/burst.* | awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, $2 }')
BURST_TTFB=$(cat "$W"/burst.* | awk '{ printf "%.1f\n", $2 * 1000 }')
sleep 1
BURST_LINES=$(tail -n +"$((lines0 + 1))" "$ALOG" | jq -r --arg a "$a" \
    'select(.action == "Invoke" and .caller == $a) | "\(.vm) \(.queue_ms) \(.start_kind)"')
note "burst: $BURST_CODES; TTFB $(tr '\n' ' ' <<<"$BURST_TTFB")ms"

# ------------------------------------------------------------ 3c: python cold starts

# fngated again with warm = 1, idle_timeout = 3 and function snapshots off,
# then on.  One account's python3.11 no-op; before each call its VM has
# gone idle and been destroyed, so each call is a cold start of the same
# function: off, a warm VM loads the code and runs the runtime's init; on,
# after the first call (whose VM the pool saves), a VM restored from that
# function snapshot.  COLD calls each after the first.
printf 'def handler(event, context):\n    return event\n' >"$W/app.py"
(cd "$W" && "$PY" -c 'import zipfile; z = zipfile.ZipFile("pynoop.zip", "w"); z.write("app.py"); z.close()')
pycold() { # pycold FNSNAP [KEY=VALUE]...: TTFBs (ms), init_ms, start kinds, the save line
    local fs=$1 i j a k s out flog0 off vm init_ms kind ttfb=() init=() kinds=() saved=""
    shift
    flog0=$(wc -l <"$FLOG")
    bench_fngated warm=1 snapshot=1 idle_timeout=3 "function_snapshots=$fs" "$@"
    for ((i = 0; i < 1800; i++)); do
        tail -n +"$((flog0 + 1))" "$FLOG" | grep -q ': warm (' && break
        sleep 0.1
    done
    sleep 1
    read -r a k s < <(account_new "bench-py-$fs$#")
    py create "http://127.0.0.1:$PORT" "$k" "$s" pynoop "$W/pynoop.zip" app.handler python3.11 >/dev/null ||
        die "CreateFunction (python) failed"
    py sign POST "http://localhost/2015-03-31/functions/pynoop/invocations" '{}' "$k" "$s" >"$W/hdrs"
    for ((i = 0; i <= COLD; i++)); do
        off=$(wc -l <"$FLOG")
        lines0=$(wc -l <"$ALOG")
        out=$(curl -s -o "$W/py.out" -w '%{http_code} %{time_starttransfer}' -H @"$W/hdrs" \
                --data '{}' "http://127.0.0.1:$PORT/2015-03-31/functions/pynoop/invocations")
        [ "${out%% *}" = 200 ] || die "python cold call $i: $out $(cat "$W/py.out")"
        sleep 0.5
        read -r vm init_ms kind < <(tail -n +"$((lines0 + 1))" "$ALOG" |
            jq -r 'select(.action == "Invoke") | "\(.vm) \(.init_ms) \(.start_kind)"' | head -n 1)
        if [ "$i" -gt 0 ]; then
            ttfb+=("$(awk -v t="${out#* }" 'BEGIN { printf "%.0f", t * 1000 }')")
            init+=("$init_ms")
            kinds+=("$kind")
        fi
        # the VM gone (after its save, with function snapshots on), the
        # warm VM in place
        for ((j = 0; j < 1200; j++)); do
            tail -n +"$((off + 1))" "$FLOG" | grep -q "$vm: idle for" && break
            sleep 0.1
        done
        [ -n "$saved" ] || saved=$(tail -n +"$((off + 1))" "$FLOG" |
            grep -o -E 'function snapshot fn-[^ ]+ made for account [0-9]+ \(.*\)' |
            sed -E 's/fn-[0-9]+-[0-9a-f]+/fn-ACCOUNT-HASH/; s/ for account [0-9]+//' || true)
        sleep 1
    done
    echo "${ttfb[*]}"
    echo "${init[*]}"
    echo "${kinds[*]}"
    echo "${saved:-no function snapshot}"
}
note "python3.11 cold starts: function snapshots off, then on, then off with full images (snapshot_clones = 0) ($COLD calls each)"
# (not in a subshell: FNGATED_PID and started must follow the restarts)
pycold 0 >"$W/pycold-off"
pycold 1 >"$W/pycold-on"
pycold 0 snapshot_clones=0 >"$W/pycold-full"
mapfile -t PY_OFF <"$W/pycold-off"
mapfile -t PY_ON <"$W/pycold-on"
mapfile -t PY_FULL <"$W/pycold-full"
note "python cold: off ${PY_OFF[0]} ms (${PY_OFF[2]}), on ${PY_ON[0]} ms (${PY_ON[2]}), off with full images ${PY_FULL[0]} ms (${PY_FULL[2]})"

# ------------------------------------------------------------ 8: asynchronous invocation

# Asynchronous invocation (docs/async.md): the Event Invoke's latency and
# rate (boto3, one client, 1 and 8 at a time), and from the 202 to the
# attempt's start (the billing line's event_age_ms) with nothing queued
# (events sent one at a time, each run before the next) and under a
# backlog (ASYNC_BACKLOG sent at once, async_per_account running).
ASYNC_BACKLOG=${FNGATE_BENCH_ASYNC_BACKLOG:-200}
# async_ages FILE: the event_age_ms of the attempts of FILE's request ids
# once they all ran (120 s at most), sorted
async_ages() {
    local i n want
    want=$(wc -l <"$1")
    for ((i = 0; i < 1200; i++)); do
        n=$(grep -F -f "$1" "$ALOG" | jq -R -r 'fromjson?
              | select(.invocation_type == "Event" and .status == "200")
              | .event_age_ms' | wc -l)
        [ "$n" -ge "$want" ] && break
        sleep 0.1
    done
    grep -F -f "$1" "$ALOG" | jq -R -r 'fromjson?
        | select(.invocation_type == "Event" and .status == "200")
        | .event_age_ms' | sort -n
}
pct() { awk -v p="$1" '{ a[NR] = $1 } END { if (NR) print a[int((NR - 1) * p / 100) + 1]; else print "-" }'; }
read -r ev_acct ev_k ev_s < <(account_new bench-async)
py create "http://127.0.0.1:$PORT" "$ev_k" "$ev_s" "$FN" "$W/noop.zip" handler >/dev/null ||
    die "CreateFunction (async) failed"
: >"$W/ev-idle"
for i in $(seq 1 20); do
    : >"$W/ev-one"
    py events "http://127.0.0.1:$PORT" "$ev_k" "$ev_s" "$FN" 1 1 "$W/ev-one" >/dev/null
    async_ages "$W/ev-one" >/dev/null
    cat "$W/ev-one" >>"$W/ev-idle"
done
ev_idle=$(async_ages "$W/ev-idle")
: >"$W/ev-c1"
ev_c1=$(py events "http://127.0.0.1:$PORT" "$ev_k" "$ev_s" "$FN" 100 1 "$W/ev-c1")
async_ages "$W/ev-c1" >/dev/null
: >"$W/ev-backlog"
ev_c8=$(py events "http://127.0.0.1:$PORT" "$ev_k" "$ev_s" "$FN" "$ASYNC_BACKLOG" 8 "$W/ev-backlog")
ev_t0=$(date +%s.%N)
ev_backlog=$(async_ages "$W/ev-backlog")
ev_drain=$(awk -v n="$ASYNC_BACKLOG" -v t0="$ev_t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", n / (t1 - t0) }')

# ------------------------------------------------------------ 9: event sources

# Optional (FNGATE_BENCH_ESM=N messages, 0: skipped): fngated with this
# bench's keys again; a queue of N messages filled before its mapping to
# the no-op function (BatchSize FNGATE_BENCH_ESM_BATCH, window
# FNGATE_BENCH_ESM_WINDOW s) is drained, then 20 messages are sent one at
# a time to an idle mapping (BatchSize 1): from SendMessage to the Invoke
# at the gateway and to the handler's start, from the billing lines; then
# the same under a backlog (FNGATE_BENCH_ESM_BACKLOG messages sent at
# once), and the N messages again split over FNGATE_BENCH_ESM_GROUPS
# groups of a FIFO queue (util/bench.py esm).
ESM_N=${FNGATE_BENCH_ESM:-0}
if [ "$ESM_N" -gt 0 ]; then
    note "event sources: a $ESM_N-message queue drained, then idle latency"
    bench_fngated
    ESM_OUT=$(py esm "http://127.0.0.1:$PORT" "$AKID" "$SECRET" "$ACCT" "$FN" \
        "$ESM_N" "${FNGATE_BENCH_ESM_BATCH:-100}" \
        "${FNGATE_BENCH_ESM_WINDOW:-1}" "$STATE/nginx/logs/access.log" 20 \
        "${FNGATE_BENCH_ESM_BACKLOG:-200}" "${FNGATE_BENCH_ESM_GROUPS:-10}") ||
        die "util/bench.py esm failed"
    note "event sources: $ESM_OUT"
fi

# ------------------------------------------------------------ 10: calls between functions

# Functions that call the API (docs/roles.md): fngated again with guests
# on the host's loopback, the gateway's port by default; a python3.11
# function invokes a warm python3.11 no-op N times with boto3 from its
# guest (its call's credentials, AWS_ENDPOINT_URL), timed inside, against
# the same Invoke from this host (util/bench.py chain).  What a call's
# credentials cost fngated: the two Redis commands it adds to every call
# (the hash_create script with its 8 fields, and the DEL when the call
# ends), by redis-benchmark with one client; a call made with them costs
# the module one more HMGET (it never caches them).
CHAIN_N=${FNGATE_BENCH_CHAIN:-50}
note "calls between functions: $CHAIN_N Invokes from a guest, then from the host"
bench_fngated network=loopback "network_default=127.0.0.1:$PORT"
read -r ch_acct ch_k ch_s < <(account_new bench-chain)
CHAIN_OUT=$(py chain "http://127.0.0.1:$PORT" "$ch_k" "$ch_s" "$ch_acct" \
    "$CHAIN_N") || die "util/bench.py chain failed"
note "calls between functions: $CHAIN_OUT"
sess_lua=$(sed '/^--/d' "$ROOT/fngated/lua/hash_create.lua")
sess_put=$(redis-benchmark -p "$REDIS_PORT" -c 1 -n 20000 -r 100000000 -q \
    EVAL "$sess_lua" 1 fg:key:ASIABENCH__rand_int__ 9999999999999 \
    account 123456789012 secret s token t role r billed 123456789012 \
    depth 1 root rid expires 9999999999999 2>/dev/null |
    sed -n 's/.*: \([0-9.]*\) requests per second.*p50=\([0-9.]*\) msec.*/\2/p')
sess_del=$(redis-benchmark -p "$REDIS_PORT" -c 1 -n 20000 -r 100000000 -q \
    DEL fg:key:ASIABENCH__rand_int__ 2>/dev/null |
    sed -n 's/.*: \([0-9.]*\) requests per second.*p50=\([0-9.]*\) msec.*/\2/p')
redis-cli -p "$REDIS_PORT" --scan --pattern 'fg:key:ASIABENCH*' |
    xargs -r redis-cli -p "$REDIS_PORT" DEL >/dev/null
bench_fngated

# ------------------------------------------------------------ 11: suspended waits

# Suspended waits (docs/suspend.md): fngated with one guest per account and
# suspend_after 500 ms; a python3.11 parent (boto3, 8 MiB of state) calls a
# child that sleeps SUSP_SLEEP s, SUSP_N times (util/bench.py suspend).
# Each call is suspended while its child runs in its guest: the checkpoint
# and restore times and the images' size from fngated's log, the wall time
# against the billed duration and suspended_ms from the billing lines.
SUSP_N=${FNGATE_BENCH_SUSPEND:-5}
SUSP_SLEEP=${FNGATE_BENCH_SUSPEND_SLEEP:-3}
note "suspended waits: $SUSP_N calls, each waiting ${SUSP_SLEEP}s on a child"
bench_fngated network=loopback "network_default=127.0.0.1:$PORT" \
    max_vms_per_account=1 suspend_after=500
read -r su_acct su_k su_s < <(account_new bench-susp)
SUSP_OUT=$(py suspend "http://127.0.0.1:$PORT" "$su_k" "$su_s" "$su_acct" \
    "$SUSP_N" "$SUSP_SLEEP" "$ALOG") || die "util/bench.py suspend failed"
note "suspended waits: $SUSP_OUT"
susp_dump=$(sed -n 's/.*suspended on [^:]*: checkpoint \([0-9]*\) ms.*/\1/p' "$FLOG")
susp_kib=$(sed -n 's/.*suspended on [^:]*: checkpoint [0-9]* ms, \([0-9]*\) KiB.*/\1/p' "$FLOG")
susp_restore=$(sed -n 's/.*resumed on [^ ]* after [0-9]* ms: restore \([0-9]*\) ms.*/\1/p' "$FLOG")
bench_fngated

# ------------------------------------------------------------ 12: template clones

# The pool's guests as copy-on-write clones of a template (snapshot_clones
# = 1, the default; docs/vms.md, "Template clones"), with the warm clones
# running (the default) or paused (warm_paused = 1), against full images
# (snapshot_clones = 0, as before), in this run: fngated with warm =
# CL_WARM (4) and max_vms = CL_MAX (32) each way, then
#   (a) CL_N (10) new accounts' first calls of the static no-op, each once
#       the warm set is full again: TTFB p50, p99;
#   (b) the host memory (PSS) of those accounts' guests, idle, and of the
#       warm generic guests (clones: paused);
#   (c) with warm = 0, CL_NW (5) first calls that wait for their guest:
#       TTFB, and the guest's making time as the pool logs it;
#   (d) with warm = CL_WARM, a burst of 24 first calls over 3 new
#       accounts (8 each, at once): the slowest TTFB, the longest queue_ms.
CL_WARM=${FNGATE_BENCH_CLONE_WARM:-4}
CL_MAX=${FNGATE_BENCH_CLONE_MAX:-32}
CL_N=${FNGATE_BENCH_CLONE_N:-10}
CL_NW=${FNGATE_BENCH_CLONE_NOWARM:-5}

pct_of() { tr ' ' '\n' | grep . | sort -n | pct "$1"; }

clones_run() { # clones_run CLONES PAUSED WARM_UP: KEY=VALUE lines
    local c=$1 from i a k t ttfb=() made=() pids=() accts=()
    local mode=("snapshot_clones=$c" "warm_paused=$2" "warm_up=$3")
    from=$(($(wc -l <"$FLOG") + 1))
    bench_fngated "${mode[@]}" "warm=$CL_WARM" "max_vms=$CL_MAX"
    wait_warm 300 "$CL_WARM" "$from"
    for ((i = 1; i <= CL_N; i++)); do
        first_invoke "bench-cl$c$2-$i" "clones=$c/$2 cold $i"
        ttfb+=("$call_ttfb")
        accts+=("$call_acct")
        echo "kind=$(jq -r .start_kind <<<"$call_log")"
        wait_warm 300 "$CL_WARM" "$from"
    done
    echo "cold=${ttfb[*]}"
    sleep 5
    mem_sample "$W/mem-cl$c$2"
    echo "idle_pss=$(grep ' idle, account ' "$W/mem-cl$c$2" | awk '{ print $3 }' | tr '\n' ' ')"
    echo "warm_pss=$(grep ' warm, generic' "$W/mem-cl$c$2" | awk '{ print $3 }' | tr '\n' ' ')"
    echo "template_kb=$(du -k /dev/shm/"$PREFIX"-template-*.ram 2>/dev/null | awk '{ t += $1 } END { print t + 0 }')"

    from=$(($(wc -l <"$FLOG") + 1))
    bench_fngated "${mode[@]}" warm=0 "max_vms=$CL_MAX"
    for ((i = 0; i < 1200; i++)); do
        tail -n +"$from" "$FLOG" | grep -q 'snapshot: ' && break
        sleep 0.1
    done
    ttfb=()
    for ((i = 1; i <= CL_NW; i++)); do
        first_invoke "bench-clnw$c$2-$i" "clones=$c/$2 no-warm $i"
        ttfb+=("$call_ttfb")
        made+=("$(grep -o -E "made for account $call_acct \([a-z-]+ [0-9]+ ms" "$FLOG" |
                  tail -n 1 | grep -o -E '[a-z-]+ [0-9]+ ms' | tr ' ' ':')")
    done
    echo "nowarm=${ttfb[*]}"
    echo "nowarm_made=${made[*]}"

    from=$(($(wc -l <"$FLOG") + 1))
    bench_fngated "${mode[@]}" "warm=$CL_WARM" "max_vms=$CL_MAX"
    wait_warm 300 "$CL_WARM" "$from"
    for a in 1 2 3; do
        read -r _ k t < <(account_new "bench-clb$c$2-$a")
        py create "http://127.0.0.1:$PORT" "$k" "$t" "$FN" "$W/noop.zip" handler >/dev/null ||
            die "CreateFunction (clone burst) failed"
        py sign POST "http://localhost$INVOKE_PATH" '{}' "$k" "$t" >"$W/hdrs-clb$a"
    done
    local lines0
    lines0=$(wc -l <"$ALOG")
    rm -f "$W"/clb.*
    for a in 1 2 3; do
        for ((i = 0; i < 8; i++)); do
            curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}\n' -H @"$W/hdrs-clb$a" \
                --data '{}' "http://127.0.0.1:$PORT$INVOKE_PATH" >"$W/clb.$a.$i" &
            pids+=($!)
        done
    done
    wait "${pids[@]}"
    sleep 1
    echo "burst_codes=$(cat "$W"/clb.* | awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, $2 }')"
    echo "burst_ttfb=$(cat "$W"/clb.* | awk '{ printf "%.0f ", $2 * 1000 }')"
    echo "burst_queue=$(tail -n +"$((lines0 + 1))" "$ALOG" | jq -r 'select(.action == "Invoke") | .queue_ms' | tr '\n' ' ')"
    echo "burst_kinds=$(tail -n +"$((lines0 + 1))" "$ALOG" | jq -r 'select(.action == "Invoke") | .start_kind' | sort | uniq -c | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, ($2 == "" ? "warm" : $2) }')"
}
CL_MODES="clones:1:0:1 clones-no-warm-up:1:0:0 clones-paused:1:1:1 full:0:0:1"
note "template clones (warm running, without warm-up, warm paused) against full images: warm $CL_WARM, $CL_N cold starts, $CL_NW without a warm VM, a burst of 24 over 3 accounts, each way"
for m in $CL_MODES; do
    IFS=: read -r name c p u <<<"$m"
    # (not in a subshell: FNGATED_PID and started must follow the restarts)
    clones_run "$c" "$p" "$u" >"$W/clones-$name"
    note "$name: $(grep -v '^kind=' "$W/clones-$name" | tr '\n' ';')"
done
bench_fngated

# ------------------------------------------------------------ 13: sandboxes

# Sandboxes (docs/vms.md "Sandboxes"), with the default pool:
#   (a) one account alternates two python3.11 no-ops ALT_N (12) times:
#       how many calls were cold starts (target: the first of each only),
#       and the TTFB of the others;
#   (b) util/deploy-load.py: DEPLOY_S (300) seconds of calls from 3 boto3
#       threads through an alias while a new version is deployed every
#       10 s (UpdateFunctionCode, PublishVersion, UpdateAlias): failed and
#       mixed calls (target: none), latency.
ALT_N=${FNGATE_BENCH_ALT_N:-12}
DEPLOY_S=${FNGATE_BENCH_DEPLOY_S:-300}
note "sandboxes: $ALT_N calls alternating two functions, ${DEPLOY_S}s of deploys under load"
wait_warm 300
read -r alt_acct alt_k alt_s < <(account_new bench-alt)
for f in alt1 alt2; do
    py create "http://127.0.0.1:$PORT" "$alt_k" "$alt_s" "$f" \
        "$W/pynoop.zip" app.handler python3.11 >/dev/null ||
        die "CreateFunction ($f) failed"
done
lines0=$(wc -l <"$ALOG")
alt_ttfb=()
for ((i = 0; i < ALT_N; i++)); do
    f=alt$((i % 2 + 1))
    py sign POST "http://localhost/2015-03-31/functions/$f/invocations" '{}' \
        "$alt_k" "$alt_s" >"$W/hdrs-alt"
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}' -H @"$W/hdrs-alt" \
        --data '{}' "http://127.0.0.1:$PORT/2015-03-31/functions/$f/invocations")
    [ "${out%% *}" = 200 ] || die "alternating call $i: $out"
    [ "$i" -ge 2 ] && alt_ttfb+=("$(awk -v t="${out#* }" 'BEGIN { printf "%.1f", t * 1000 }')")
done
sleep 1
alt_cold=$(tail -n +"$((lines0 + 1))" "$ALOG" | jq -r 'select(.action == "Invoke") | .cold_start' | grep -c true)
alt_vms=$(tail -n +"$((lines0 + 1))" "$ALOG" | jq -r 'select(.action == "Invoke") | .vm' | sort -u | wc -l)
read -r dp_acct dp_k dp_s < <(account_new bench-deploy)
DEPLOY_OUT=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID="$dp_k" \
    AWS_SECRET_ACCESS_KEY="$dp_s" FNGATE_ENDPOINT="http://127.0.0.1:$PORT" \
    "$PY" "$ROOT/util/deploy-load.py" --seconds "$DEPLOY_S" --every 10 \
    --threads 3 2>&1) || note "deploys under load: a call failed or mixed"
note "deploys under load: $(tr '\n' ';' <<<"$DEPLOY_OUT")"

# ------------------------------------------------------------ 14: provisioned concurrency

# Provisioned concurrency (docs/vms.md "Provisioned concurrency"), with
# the default pool: PC_N (2) sandboxes of a python3.11 no-op's alias
# kept: the time from the Put to READY (polled by boto3, about every
# 0.5 s); the first call's TTFB (in a kept sandbox: warm, where 3c's
# cold start takes seconds) and wrk 1 connection through the alias; the
# capacity billing line once deleted.  Then the python3.11 warm path
# again with sandboxes_per_vm = 1, beside section 2's (the default, 4):
# what a guest's other sandboxes cost a warm call.
PC_N=${FNGATE_BENCH_PC_N:-2}
note "provisioned concurrency: $PC_N sandboxes of a python3.11 alias"
wait_warm 300
read -r pc_acct pc_k pc_s < <(account_new bench-pc)
pcall() { py call "http://127.0.0.1:$PORT" "$pc_k" "$pc_s" "$@"; }
py create "http://127.0.0.1:$PORT" "$pc_k" "$pc_s" pc "$W/pynoop.zip" \
    app.handler python3.11 >/dev/null || die "CreateFunction (pc) failed"
pcall publish_version '{"FunctionName":"pc"}' >/dev/null ||
    die "PublishVersion (pc) failed"
pcall create_alias '{"FunctionName":"pc","Name":"live","FunctionVersion":"1"}' \
    >/dev/null || die "CreateAlias (pc) failed"
t0=$(date +%s%N)
pcall put_provisioned_concurrency_config \
    "{\"FunctionName\":\"pc\",\"Qualifier\":\"live\",\"ProvisionedConcurrentExecutions\":$PC_N}" \
    >/dev/null || die "PutProvisionedConcurrencyConfig failed"
pc_status=IN_PROGRESS
for ((i = 0; i < 600; i++)); do
    pc_status=$(pcall get_provisioned_concurrency_config \
        '{"FunctionName":"pc","Qualifier":"live"}' | jq -r .Status)
    [ "$pc_status" = IN_PROGRESS ] || break
done
[ "$pc_status" = READY ] || die "provisioned concurrency: $pc_status"
pc_ready_ms=$((($(date +%s%N) - t0) / 1000000))
p="/2015-03-31/functions/pc/invocations?Qualifier=live"
py sign POST "http://localhost$p" '{}' "$pc_k" "$pc_s" >"$W/hdrs-pc"
lines0=$(wc -l <"$ALOG")
out=$(curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}' -H @"$W/hdrs-pc" \
    --data '{}' "http://127.0.0.1:$PORT$p")
[ "${out%% *}" = 200 ] || die "provisioned call: $out"
pc_first=$(awk -v t="${out#* }" 'BEGIN { printf "%.1f", t * 1000 }')
sleep 0.5
pc_first_line=$(tail -n +"$((lines0 + 1))" "$ALOG" |
    jq -r 'select(.action == "Invoke") | "cold_start \(.cold_start), provisioned \(.provisioned)"' | head -n 1)
wrk_script "$W/invoke-pc.lua" "$PORT" "$pc_k" "$pc_s" count "$p"
R[pc_wrk]=$(run_wrk pc "$PORT" 1 "$SECS" "$W/invoke-pc.lua" "$p")
lines0=$(wc -l <"$ALOG")
pcall delete_provisioned_concurrency_config \
    '{"FunctionName":"pc","Qualifier":"live"}' >/dev/null ||
    die "DeleteProvisionedConcurrencyConfig failed"
pc_gbs=-
for ((i = 0; i < 100; i++)); do
    pc_gbs=$(tail -n +"$((lines0 + 1))" "$ALOG" |
        jq -r 'select(.action == "ProvisionedConcurrency") | (.provisioned | tonumber) * (.memory_mb | tonumber) / 1024 * (.provisioned_seconds | tonumber)' |
        head -n 1)
    [ -n "$pc_gbs" ] && break
    sleep 0.1
done
note "provisioned: READY in $pc_ready_ms ms, first call $pc_first ms ($pc_first_line), billed ${pc_gbs:-none} GB-s"

note "python3.11 warm path with sandboxes_per_vm = 1"
flog0=$(wc -l <"$FLOG")
bench_fngated sandboxes_per_vm=1
for ((i = 0; i < 1800; i++)); do
    tail -n +"$((flog0 + 1))" "$FLOG" | grep -q ': warm (' && break
    sleep 0.1
done
read -r s1_acct s1_k s1_s < <(account_new bench-sbx1)
py create "http://127.0.0.1:$PORT" "$s1_k" "$s1_s" s1 "$W/pynoop.zip" \
    app.handler python3.11 >/dev/null || die "CreateFunction (s1) failed"
p=/2015-03-31/functions/s1/invocations
wrk_script "$W/invoke-s1.lua" "$PORT" "$s1_k" "$s1_s" count "$p"
run_wrk s1-warmup "$PORT" 1 2 "$W/invoke-s1.lua" "$p" >/dev/null
wait_warm 180 1 "$((flog0 + 1))"
R[sbx1]=$(run_wrk s1 "$PORT" 1 "$SECS" "$W/invoke-s1.lua" "$p")
bench_fngated

# ------------------------------------------------------------ 15-16: cluster

# (15) the gateway with 1, 2 and 3 hosts, on one Redis and on a Redis
# Cluster, with the module's cache and without (util/bench-cluster.sh: no
# guest, fcgi-echo hosts); (16) the failover tests' long version
# (util/cluster-stories.sh with CLUSTER_FAULT_SECS, 120 s a phase) on a
# local cluster of 2 hosts of its own (guests fgbc-N and fgbch2-N: a
# prefix short enough for the hosts' tap names).
note "cluster: the gateway with 1-3 hosts, one Redis against a Redis Cluster"
CL_OUT=$(FNGATE_BENCH_CLUSTER_STATE=$STATE/bench-cluster \
         FNGATE_BENCH_CLUSTER_PORT=$((PORT + 80)) \
         FNGATE_BENCH_CLUSTER_REDIS_PORT=$((REDIS_PORT + 80)) \
         "$ROOT/util/bench-cluster.sh") || die "util/bench-cluster.sh failed"
note "cluster: $(wc -l <<<"$CL_OUT") runs"
CL_FAULT_SECS=${FNGATE_BENCH_CLUSTER_FAULT_SECS:-120}
note "cluster: the failover tests, ${CL_FAULT_SECS}s a phase"
CL_FAULTS=$(FNGATE_STATE=$STATE/cluster FNGATE_PORT=$((PORT + 90)) \
            FNGATE_REDIS_PORT=$((REDIS_PORT + 90)) \
            FNGATE_VM_PREFIX=fgbc FNGATE_HOSTS=2 \
            CLUSTER_FAULT_SECS=$CL_FAULT_SECS \
            "$ROOT/util/cluster-stories.sh" 2>&1) ||
    die "the failover tests failed: $(tail -n 5 <<<"$CL_FAULTS")"
note "cluster: $(grep '^cluster-faults:' <<<"$CL_FAULTS")"

# ------------------------------------------------------------ the table

accel=$(grep -o -E 'accelerator (kvm|tcg): .*' "$FLOG" | tail -n 1)
accel=${accel%% (console: *}
boots=$(grep -E ': warm \(boot |snapshot: ' "$FLOG" | grep -o -E '\(boot [0-9]+ ms' | grep -o -E '[0-9]+')
restores=$(grep -o -E ': warm \(restore [0-9]+ ms' "$FLOG" | grep -o -E '[0-9]+')
snapline=$(grep -o -E 'snapshot: [^ ]+ made in [0-9]+ ms' "$FLOG" | tail -n 1)
gw_rps=$(awk -v r="$(field "${R[gw]}" requests)" -v d="$(field "${R[gw]}" duration_us)" 'BEGIN { printf "%.0f", r / d * 1e6 }')
pl_rps=$(awk -v r="$(field "${R[plain]}" requests)" -v d="$(field "${R[plain]}" duration_us)" 'BEGIN { printf "%.0f", r / d * 1e6 }')
cpu_us() { # cpu_us BENCHLINE TICKFIELD: CPU microseconds per request
    awk -v t="$(field "$1" "$2")" -v r="$(field "$1" requests)" -v hz="$HZ" \
        'BEGIN { printf "%.1f", t / hz * 1e6 / r }'
}
gw_cpu=$(cpu_us "${R[gw]}" nginx_ticks)
pl_cpu=$(cpu_us "${R[plain]}" nginx_ticks)
rate() { awk -v r="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.1f", r / d * 1e6 }'; }


echo
echo "fngate bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
printf '%-44s %s\n' "measure" "result"
printf '%-44s %s\n' "-------" "------"
printf '%-44s %s\n' "1 gateway (module+fastcgi_pass -> fcgi-echo)" \
    "$gw_rps req/s, p50 $(ms "$(field "${R[gw]}" p50_us)") ms, p99 $(ms "$(field "${R[gw]}" p99_us)") ms (wrk -c4 ${SECS}s, $(field "${R[gw]}" status_errors) non-2xx, $(field "${R[gw]}" errors) socket errors)"
printf '%-44s %s\n' "1 plain fastcgi_pass -> fcgi-echo" \
    "$pl_rps req/s, p50 $(ms "$(field "${R[plain]}" p50_us)") ms, p99 $(ms "$(field "${R[plain]}" p99_us)") ms (wrk -c4 ${SECS}s, $(field "${R[plain]}" status_errors) non-2xx)"

printf '%-44s %s\n' "1 gateway / plain throughput" \
    "$(awk -v a="$gw_rps" -v b="$pl_rps" 'BEGIN { printf "%.0f%%", a / b * 100 }')"
printf '%-44s %s\n' "1 nginx worker CPU per request" \
    "gateway $gw_cpu us, plain $pl_cpu us, module $(awk -v a="$gw_cpu" -v b="$pl_cpu" 'BEGIN { printf "%.1f", a - b }') us (fcgi-echo: $(cpu_us "${R[gw]}" echo_ticks) / $(cpu_us "${R[plain]}" echo_ticks) us)"
printf '%-44s %s\n' "1 nginx instructions per request" \
    "gateway $(field "${R[cg]}" gateway_ir), plain $(field "${R[cg]}" plain_ir), module $(field "${R[cg]}" module_ir) (callgrind, $(field "${R[cg]}" calls) calls each)"
for k in $KINDS; do
    for c in 1 2; do
        l=${R[inv_${k}_$c]}
        printf '%-44s %s\n' "2 warm invoke, $(kind_label "$k"), $c conn" \
            "$(rate "$l") calls/s (${R[vms_${k}_$c]} guest(s) of the account), p50 $(ms "$(field "$l" p50_us)") ms, p99 $(ms "$(field "$l" p99_us)") ms, max $(ms "$(field "$l" max_us)") ms; handler p50 ${R[dur_${k}_$c]} ms; $(field "$l" ok)/$(field "$l" requests) 200, $(field "$l" function_errors) function errors"
    done
done
for c in 1 2; do
    l=${R[inv_idem_$c]}
    printf '%-44s %s\n' "2 idempotent hit (stored result), $c conn" \
        "$(rate "$l") calls/s, p50 $(ms "$(field "$l" p50_us)") ms, p99 $(ms "$(field "$l" p99_us)") ms, max $(ms "$(field "$l" max_us)") ms; billing lines: ${R[hits_idem_$c]}; $(field "$l" ok)/$(field "$l" requests) 200"
done
printf '%s\n' "  (static: fork+exec of the handler per call; python3.11, $NODE_RT, provided: a runtime started once per guest, on the Runtime API)"
printf '%s\n' "  (a guest runs one call at a time; a concurrent call of the same account gets another guest, up to max_vms_per_account)"
# Issue 5's target for a persistent runtime: p50 < 2 ms, p99 < 10 ms at
# one connection, 2,000 calls/s at the best concurrency.
target=$(for k in py rt; do
    best=$(for c in 1 2; do rate "${R[inv_${k}_$c]}"; echo; done | sort -n | tail -n 1)
    awk -v k="$k" -v p50="$(field "${R[inv_${k}_1]}" p50_us)" \
        -v p99="$(field "${R[inv_${k}_1]}" p99_us)" -v best="$best" 'BEGIN {
        printf "%s%s: p50 %.2f ms (%s), p99 %.2f ms (%s), %.0f calls/s (%s)",
            (k == "rt" ? "; " : ""), (k == "rt" ? "provided" : "python3.11"),
            p50 / 1000, (p50 < 2000 ? "met" : "not met"),
            p99 / 1000, (p99 < 10000 ? "met" : "not met"),
            best, (best >= 2000 ? "met" : "not met") }'
done)
printf '%-44s %s\n' "2 target: p50 < 2 ms, p99 < 10 ms, 2000/s" "$target"
printf '%-44s %s\n' "3 cold start TTFB, $COLD new accounts" \
    "p50 $(printf '%s\n' "${cold_ttfb[@]}" | median) ms, max $(printf '%s\n' "${cold_ttfb[@]}" | maxof) ms (each: ${cold_ttfb[*]} ms)"
printf '%-44s %s\n' "3 cold start init_ms, handler ms (billing log)" \
    "init $(printf '%s\n' "${cold_init[@]}" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }') ms; handler $(printf '%s\n' "${cold_init[@]}" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $3 }') ms (cold_start $(printf '%s\n' "${cold_init[@]}" | awk '{ print $2 }' | sort -u | tr '\n' ' ')$(printf ')')"
for r in "restore:${NW_RESTORE[0]}:${NW_RESTORE[1]}" "boot:${NW_BOOT[0]}:${NW_BOOT[1]}"; do
    IFS=: read -r kind list kinds <<<"$r"
    printf '%-44s %s\n' "3 cold start TTFB, no warm VM, $kind" \
        "p50 $(tr ' ' '\n' <<<"$list" | median) ms, max $(tr ' ' '\n' <<<"$list" | maxof) ms (each: $list ms; start_kind: $kinds)"
done
for r in "off:${PY_OFF[0]}:${PY_OFF[1]}:${PY_OFF[2]}:${PY_OFF[3]}" "on:${PY_ON[0]}:${PY_ON[1]}:${PY_ON[2]}:${PY_ON[3]}" "off, full images:${PY_FULL[0]}:${PY_FULL[1]}:${PY_FULL[2]}:${PY_FULL[3]}"; do
    IFS=: read -r which list inits kinds saved <<<"$r"
    printf '%-44s %s\n' "3 python3.11 cold start, fn snapshots $which" \
        "TTFB p50 $(tr ' ' '\n' <<<"$list" | median) ms, max $(tr ' ' '\n' <<<"$list" | maxof) ms; init_ms p50 $(tr ' ' '\n' <<<"$inits" | median) (each: $list ms; start_kind: $kinds)$([ "$which" = on ] && echo "; $saved")"
done
printf '%-44s %s\n' "3 guest boot to agent HELLO ($(wc -w <<<"$boots") boots)" \
    "p50 $(median <<<"$boots") ms, max $(maxof <<<"$boots") ms"
printf '%-44s %s\n' "3 guest restore to agent SYNC ($(wc -w <<<"$restores") restores)" \
    "p50 $(median <<<"${restores:-0}") ms, max $(maxof <<<"${restores:-0}") ms (${snapline:-snapshot made by an earlier run})"
vm_mb=$(sed -n 's/^vm_memory_mb *= *//p' "$ROOT/conf/fngated.conf")
mem_rows() { # mem_rows FILE HOW NOTE: the summary row and one row per guest
    local pss_med pss_max rss_med
    pss_med=$(awk '{ print $3 }' "$1" | median)
    pss_max=$(awk '{ print $3 }' "$1" | maxof)
    rss_med=$(awk '{ print $2 }' "$1" | median)
    printf '%-44s %s\n' "4 host memory per idle guest, $2" \
        "PSS p50 $((pss_med / 1024)) MiB, max $((pss_max / 1024)) MiB; RSS p50 $((rss_med / 1024)) MiB; $((8 * 1024 * 1024 / pss_max)) fit in 8 GiB (by max PSS; $(wc -l <"$1") qemu, $vm_mb MB RAM each$3)"
    awk '{ printf "  %-42s RSS %d MiB, PSS %d MiB (%s)\n", $1, $2 / 1024, $3 / 1024, substr($0, index($0, $4)) }' "$1"
}
mem_rows "$W/mem-found" "$MEM_FOUND" "$MEM_FOUND_NOTE"
[ -n "$MEM_KSM" ] && mem_rows "$W/mem-ksm" "KSM on" "$MEM_KSM"
printf '%-44s %s\n' "5 accelerator" "${accel:-unknown}"
cl_val() { sed -n "s/^$2=//p" "$W/clones-$1"; }
for m in $CL_MODES; do
    IFS=: read -r c _ p <<<"$m"
    how=$(case $c in clones) echo "clones" ;; clones-no-warm-up) echo "clones, no warm-up" ;; clones-paused) echo "clones, warm paused" ;; *) echo "full images" ;; esac)
    kinds=$(grep '^kind=' "$W/clones-$c" | sed 's/kind=//' | sort | uniq -c | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, $2 }')
    cold=$(cl_val "$c" cold)
    printf '%-44s %s\n' "12 cold start TTFB, warm VM ready, $how" \
        "p50 $(pct_of 50 <<<"$cold") ms, p99 $(pct_of 99 <<<"$cold") ms, max $(pct_of 100 <<<"$cold") ms ($CL_N new accounts; start_kind $kinds)"
    idle=$(cl_val "$c" idle_pss) warmp=$(cl_val "$c" warm_pss)
    printf '%-44s %s\n' "12 host memory per idle guest, $how" \
        "PSS p50 $(($(pct_of 50 <<<"$idle") / 1024)) MiB, max $(($(pct_of 100 <<<"$idle") / 1024)) MiB ($(wc -w <<<"$idle") guests after one call each); $((8 * 1024 * 1024 / $(pct_of 100 <<<"$idle"))) fit in 8 GiB; warm generic$([ "$p" = 1 ] && echo " (paused)"): PSS p50 $(($(pct_of 50 <<<"${warmp:-0}") / 1024)) MiB ($(wc -w <<<"$warmp")); template RAM in /dev/shm $(($(cl_val "$c" template_kb) / 1024)) MiB"
    nw=$(cl_val "$c" nowarm)
    printf '%-44s %s\n' "12 cold start TTFB, no warm VM, $how" \
        "p50 $(pct_of 50 <<<"$nw") ms, max $(pct_of 100 <<<"$nw") ms (each: $nw ms; made in: $(cl_val "$c" nowarm_made))"
    bt=$(cl_val "$c" burst_ttfb)
    printf '%-44s %s\n' "12 burst: 24 first calls, 3 accounts, $how" \
        "$(cl_val "$c" burst_codes); TTFB p50 $(pct_of 50 <<<"$bt") ms, max $(pct_of 100 <<<"$bt") ms; queue_ms max $(pct_of 100 <<<"$(cl_val "$c" burst_queue)"); start_kind $(cl_val "$c" burst_kinds)"
done
printf '%-44s %s\n' "13 alternating two functions, one account" \
    "$alt_cold cold starts in $ALT_N calls (target: 2), $alt_vms guest(s); TTFB after the first two p50 $(pct_of 50 <<<"${alt_ttfb[*]}") ms, max $(pct_of 100 <<<"${alt_ttfb[*]}") ms"
dp() { sed -n "s/^$1 //p" <<<"$DEPLOY_OUT" | head -n 1; }
printf '%-44s %s\n' "13 deploys under load (${DEPLOY_S}s, 3 threads)" \
    "$(dp calls) calls, $(dp deployed) versions deployed every 10 s; failed $(dp failed | cut -d' ' -f1), mixed $(dp mixed | cut -d' ' -f1) (target: 0, 0); $(dp p50_ms | sed 's/^/p50 /; s/ p99_ms / ms, p99 /; s/ max_ms / ms, max /') ms"
xa_row() { # xa_row BENCHLINE [DUR]: calls/s, p50, p99, max; handler; 200s
    local l=$1
    printf '%s calls/s, p50 %s ms, p99 %s ms, max %s ms%s; %s/%s 200, %s function errors' \
        "$(rate "$l")" "$(ms "$(field "$l" p50_us)")" "$(ms "$(field "$l" p99_us)")" \
        "$(ms "$(field "$l" max_us)")" "${2:+; handler p50 $2 ms}" \
        "$(field "$l" ok)" "$(field "$l" requests)" "$(field "$l" function_errors)"
}
xa_ratio() { # xa_ratio DIRECTLINE ALIASLINE: alias / direct, p50 and calls/s
    awk -v pd="$(field "$1" p50_us)" -v pa="$(field "$2" p50_us)" \
        -v rd="$(rate "$1")" -v ra="$(rate "$2")" \
        'BEGIN { printf "p50 %.3f (%+.3f ms), calls/s %.3f", pa / pd, (pa - pd) / 1000, ra / rd }'
}
printf '%-44s %s\n' "14 provisioned concurrency, $PC_N python3.11" \
    "READY $pc_ready_ms ms after the Put; first call TTFB $pc_first ms ($pc_first_line); wrk c1 through the alias: $(xa_row "${R[pc_wrk]}"); billed ${pc_gbs:-none} GB-s once deleted"
printf '%-44s %s\n' "14 python3.11 warm c=1, sandboxes_per_vm 1" \
    "$(xa_row "${R[sbx1]}") (section 2, sandboxes_per_vm 4: p50 $(ms "$(field "${R[inv_py_1]}" p50_us)") ms)"
for pass in 1 2; do
    first="ARN first"
    [ $pass = 2 ] && first="alias first"
    printf '%-44s %s\n' "6 x-acct: B -> A's $FN:1 by ARN, c1 ($first)" \
        "$(xa_row "${R[xa_direct_$pass]}" "${R[xa_dur_direct_$pass]}") (${R[xa_vms]} guest(s) of B)"
    printf '%-44s %s\n' "6 x-acct: B -> B's alias xbench:live ($first)" \
        "$(xa_row "${R[xa_alias_$pass]}" "${R[xa_dur_alias_$pass]}")"
    printf '%-44s %s\n' "6 alias / ARN, $first (target: p50 <= 1.10)" \
        "$(xa_ratio "${R[xa_direct_$pass]}" "${R[xa_alias_$pass]}"); billing lines as expected (B billed, A's code, alias set on (b) only): ${R[xa_bill_direct_$pass]}, ${R[xa_bill_alias_$pass]}"
done
for pass in 1 2; do
    first="ARN first"
    [ $pass = 2 ] && first="alias first"
    for which in direct alias; do
        l=${R[xe_${which}_$pass]}
        printf '%-44s %s\n' "6 gateway only: $([ $which = direct ] && echo 'B by ARN' || echo "B's alias"), c1 ($first)" \
            "$(xa_row "$l"); nginx CPU $(cpu_us "$l" nginx_ticks) us/call, Redis $(awk -v c="$(field "$l" redis_cmds)" -v r="$(field "$l" requests)" 'BEGIN { printf "%.4f", c / r }') cmds/call"
    done
    printf '%-44s %s\n' "6 gateway only alias / ARN ($first)" \
        "$(xa_ratio "${R[xe_direct_$pass]}" "${R[xe_alias_$pass]}")"
done
printf '%-44s %s\n' "7 burst: $((4 * BURST_WARM)) first calls at once, warm $BURST_WARM" \
    "$BURST_CODES; TTFB p50 $(median <<<"$BURST_TTFB") ms, max $(maxof <<<"$BURST_TTFB") ms; $(awk '{ print $1 }' <<<"$BURST_LINES" | sort -u | wc -l) guests; queue_ms max $(awk '{ print $2 }' <<<"$BURST_LINES" | maxof); start_kind $(awk '{ print ($3 == "" ? "warm" : $3) }' <<<"$BURST_LINES" | sort | uniq -c | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, $2 }')"
printf '%-44s %s\n' "8 async: Event Invoke (202), 1 at a time" \
    "p50 $(ms "$(field "$ev_c1" p50_us)") ms, p99 $(ms "$(field "$ev_c1" p99_us)") ms, $(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$ev_c1") events/s"
printf '%-44s %s\n' "8 async: Event Invoke (202), 8 at a time" \
    "p50 $(ms "$(field "$ev_c8" p50_us)") ms, p99 $(ms "$(field "$ev_c8" p99_us)") ms, $(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$ev_c8") events/s ($(field "$ev_c8" accepted) of $ASYNC_BACKLOG accepted)"
printf '%-44s %s\n' "8 async: 202 -> attempt start, idle" \
    "p50 $(pct 50 <<<"$ev_idle") ms, p99 $(pct 99 <<<"$ev_idle") ms ($(wc -l <<<"$ev_idle") events, each run before the next is sent; target < 100 ms)"
printf '%-44s %s\n' "8 async: 202 -> attempt start, backlog" \
    "p50 $(pct 50 <<<"$ev_backlog") ms, p99 $(pct 99 <<<"$ev_backlog") ms ($ASYNC_BACKLOG events sent at once; drained at $ev_drain events/s with async_per_account $(sed -n 's/^async_per_account *= *//p' "$ROOT/conf/fngated.conf"))"
if [ "$ESM_N" -gt 0 ]; then
    read -r _ esm_n esm_s esm_rate esm_batches <<<"$(grep '^drain ' <<<"$ESM_OUT")"
    read -r _ esm_gw esm_start <<<"$(grep '^latency ' <<<"$ESM_OUT")"
    printf '%-44s %s\n' "9 event source: $esm_n-message queue drained" \
        "$esm_rate items/s ($esm_s s, $esm_batches batches of at most ${FNGATE_BENCH_ESM_BATCH:-100}, window ${FNGATE_BENCH_ESM_WINDOW:-1} s)"
    printf '%-44s %s\n' "9 SendMessage -> Invoke, idle, p50/p99" \
        "at the gateway $esm_gw ms; handler start $esm_start ms (20 messages; target < 100 ms)"
    read -r _ esm_bn esm_bwait esm_blines <<<"$(grep '^backlog ' <<<"$ESM_OUT")"
    printf '%-44s %s\n' "9 SendMessage -> handler start, backlog" \
        "p50/p99 $esm_bwait ms ($esm_bn messages sent at once, BatchSize 1, $esm_blines calls)"
    read -r _ esm_gn esm_groups esm_gs esm_grate esm_gbatches <<<"$(grep '^groups ' <<<"$ESM_OUT")"
    printf '%-44s %s\n' "9 event source: $esm_gn messages, $esm_groups FIFO groups" \
        "$esm_grate items/s ($esm_gs s, $esm_gbatches batches of at most 10, each group in order)"
fi
read -r _ ch_in50 ch_in99 _ ch_out50 ch_out99 <<<"$CHAIN_OUT"
printf '%-44s %s\n' "10 function -> function Invoke (boto3)" \
    "p50 $ch_in50 ms, p99 $ch_in99 ms from inside a guest ($CHAIN_N calls of a warm python3.11 no-op); from this host: p50 $ch_out50 ms, p99 $ch_out99 ms"
printf '%-44s %s\n' "10 a call's credentials, per call" \
    "two Redis commands: hash_create p50 ${sess_put:-?} ms + DEL p50 ${sess_del:-?} ms (redis-benchmark, 1 client); a call made with them: one uncached HMGET in the module"
read -r _ su_n _ _ su_wall _ _ su_dur _ _ su_susp _ su_same <<<"$SUSP_OUT"
printf '%-44s %s\n' "11 suspended wait: checkpoint, restore" \
    "checkpoint p50 $(median <<<"$susp_dump") ms, max $(maxof <<<"$susp_dump") ms ($(median <<<"$susp_kib") KiB of images); restore p50 $(median <<<"$susp_restore") ms, max $(maxof <<<"$susp_restore") ms ($(wc -w <<<"$susp_dump") suspensions)"
printf '%-44s %s\n' "11 suspended wait: a call waiting ${SUSP_SLEEP}s" \
    "wall p50 $su_wall ms, billed duration p50 $su_dur ms, suspended_ms p50 $su_susp ms; the child ran in its caller's guest $su_same of $su_n times (python3.11 with boto3 and 8 MiB; one guest per account)"
cl() { grep "^BENCHC $1 " <<<"$CL_OUT"; }
for ttl in 1s 0; do
    for st in single cluster; do
        for n in 1 2 3; do
            l=$(cl "$st-ttl$ttl-hosts$n")
            printf '%-44s %s
' "15 gateway, $st store, $n host(s), cache $ttl" \
                "$(rate "$l") calls/s, p50 $(ms "$(field "$l" p50_us)") ms, p99 $(ms "$(field "$l" p99_us)") ms; per call: $(awk -v c="$(field "$l" redis_cmds)" -v r="$(field "$l" requests)" 'BEGIN { printf "%.4f", c / r }') Redis commands, CPU us nginx $(cpu_us "$l" nginx_ticks) / hosts $(cpu_us "$l" echo_ticks) / Redis $(cpu_us "$l" redis_ticks); $(field "$l" ok)/$(field "$l" requests) 200"
        done
    done
done
printf '%-44s %s
' "16 failover tests, ${CL_FAULT_SECS}s a phase" \
    "$(grep -E '^  (redis|fngated|nginx):' <<<"$CL_FAULTS" | sed 's/^  //' | tr '\n' ';') $(grep '^cluster-faults:' <<<"$CL_FAULTS" | sed 's/^cluster-faults: //')"
others=$(pgrep -x qemu-system-x86 | while read -r p; do
              tr '\0' '\n' <"/proc/$p/cmdline" | grep -q "^guest=$PREFIX-" || echo "$p"
          done | wc -l)
[ "$others" -eq 0 ] || echo "NOTE: $others other guest(s) (not $PREFIX-*) were running on this host at the end: numbers are noisy"
echo "(run took $(($(date +%s) - T0)) s; state and wrk output in $STATE)"
