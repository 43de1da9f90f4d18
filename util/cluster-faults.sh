#!/usr/bin/env bash
# util/cluster-faults.sh: the local cluster loses a part under load and
# loses nothing (issue 16, "Failover tests"; docs/scale-out.md).
#
#   util/cluster-faults.sh [--keep]      (CLUSTER_FAULT_SECS, default 20)
#
# On the local cluster of `fngate up --cluster` (FNGATE_STATE, FNGATE_PORT,
# FNGATE_REDIS_PORT, FNGATE_VM_PREFIX as there, FNGATE_HOSTS 2 unless
# set; started with its supervisor when it is not running, stopped at the
# end unless --keep).  Accounts A, B and C each deploy a function; a
# load of synchronous calls (boto3, 6 threads) runs through each phase,
# every call's start, end and answer recorded:
#
#   redis    the master of A's slot is killed (SIGKILL) while A also
#            writes (an alias a call, each answered only once its replica
#            has it: redis_wait = 1).  Its replica takes over; the time
#            until the cluster names it is the failover window.  Calls
#            may fail only from the kill until that window has passed
#            (and a margin of CLUSTER_FAULT_MARGIN s, default 3, for the
#            module's and fngated's next look at the map), then succeed;
#            every alias whose creation was answered exists afterwards.
#            The supervisor starts the old master again: it comes back as
#            a replica.
#   fngated  the host that runs A's calls is killed (SIGKILL) while A
#            also sends asynchronous events.  Calls in flight on it fail
#            with 502; from CLUSTER_FAULT_MARGIN s after the kill on,
#            every call succeeds, A's on another host (until the
#            supervisor has started the host again); every event
#            answered 202 runs (the dead host's claimed events are taken
#            over when their lease ends: async_visibility_timeout = 5).
#   nginx    nginx is reloaded (HUP) twice and restarted by a binary
#            upgrade (USR2, then the old master told to stop: QUIT) under
#            load: no call fails.
#   bill     A's GetUsage counts the calls the billing log has, and every
#            host answers it byte for byte the same (each asked on its
#            own FastCGI socket).
#
# Prints "ok"/"FAIL" per check and the measured windows; exits 1 on the
# first failure.
set -uo pipefail

export FNGATE_HOSTS=${FNGATE_HOSTS:-2}
export FNGATE_FNGATED_KEYS="async_visibility_timeout=5 async_sweep=2 ${FNGATE_FNGATED_KEYS:-}"
. "$(dirname "$(readlink -f "$0")")/story-lib.sh"
. "$ROOT/util/stack.sh"

SECS=${CLUSTER_FAULT_SECS:-20}
MARGIN=${CLUSTER_FAULT_MARGIN:-3}
[[ "$SECS" =~ ^[0-9]+$ ]] && [ "$SECS" -ge 8 ] ||
    { echo "cluster-faults: CLUSTER_FAULT_SECS must be a number >= 8" >&2; exit 2; }
REDIS_PORT=${FNGATE_REDIS_PORT:-6380}

story_begin cluster-faults "$@"
kill -0 "$(cat "$STATE/supervisor.pid" 2>/dev/null)" 2>/dev/null ||
    fail "the stack runs without its supervisor; stop it (fngate down) first"
[ "$(cat "$STATE/hosts" 2>/dev/null)" -ge 2 ] ||
    fail "the stack is not a local cluster of 2 hosts or more (fngate up --cluster)"

printf '#!/bin/sh\ncat\n' >"$WORK/handler"
chmod 755 "$WORK/handler"
(cd "$WORK" && zip -q echo.zip handler)
for who in a b c; do
    out=$(lambda "$who" create-function --function-name echo \
        --runtime provided --handler handler \
        --role arn:aws:iam::000000000000:role/fngate \
        --zip-file "fileb://$WORK/echo.zip" 2>&1) || fail "create-function: $out"
    lambda "$who" invoke --function-name echo --payload '{}' \
        "$WORK/warm.out" >/dev/null || fail "$who's first call"
done
ok "A, B and C each deployed echo and called it once"

# The load: THREADS threads calling ACCOUNT's echo until SECONDS pass;
# one line per call: start end account status error-type.
cat >"$WORK/load.py" <<'_PY_'
import concurrent.futures, os, sys, time, threading
import boto3, botocore.config, botocore.exceptions
secs, out = float(sys.argv[1]), sys.argv[2]
accounts = sys.argv[3:]
lock = threading.Lock()
def client(keys):
    return boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
        region_name='us-east-1', aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        config=botocore.config.Config(retries={'max_attempts': 1},
                                      connect_timeout=5, read_timeout=60))
def run(acct):
    name, keys = acct.split('=')[0], acct.split('=')[1].split(':')
    lam = client(keys)
    end = time.time() + secs
    with open(out, 'a') as f:
        while time.time() < end:
            t0 = time.time()
            try:
                lam.invoke(FunctionName='echo', Payload=b'{"x":1}')
                code, err = 200, '-'
            except botocore.exceptions.ClientError as e:
                code = e.response['ResponseMetadata']['HTTPStatusCode']
                err = e.response['Error'].get('Code', '?')
            except Exception as e:
                code, err = 0, type(e).__name__
            with lock:
                f.write('%.3f %.3f %s %d %s\n' % (t0, time.time(), name,
                                                   code, err))
                f.flush()
with concurrent.futures.ThreadPoolExecutor(len(accounts)) as pool:
    list(pool.map(run, accounts))
_PY_

keys_of() { jq -r '"\(.AccessKeyId):\(.SecretAccessKey)"' "$WORK/$1.json"; }
LOAD_ACCOUNTS=("a=$(keys_of a)" "a=$(keys_of a)" "b=$(keys_of b)"
               "b=$(keys_of b)" "c=$(keys_of c)" "c=$(keys_of c)")

# load_start PHASE: the load in the background for SECS seconds.
load_start() {
    : >"$WORK/load-$1"
    FNGATE_ENDPOINT=$EP "$PY" "$WORK/load.py" "$SECS" "$WORK/load-$1" \
        "${LOAD_ACCOUNTS[@]}" 2>"$WORK/load-$1.err" &
    LOAD_PID=$!
}

# load_report PHASE [T0]: waits for the load; prints its counts; sets
# FAILED (calls not answered 200), LAST_FAIL (the end of the last one that
# failed, seconds after T0; -1 none) and AFTER (calls that started after
# T0 + MARGIN and failed).
load_report() {
    local phase=$1 t0=${2:-0}
    wait "$LOAD_PID"
    [ -s "$WORK/load-$phase" ] || fail "$phase: the load made no call ($(tail -n 3 "$WORK/load-$phase.err"))"
    read -r CALLS FAILED LAST_FAIL AFTER < <(awk -v t0="$t0" -v m="$MARGIN" '
        { n++ }
        $4 != 200 { f++; if ($2 - t0 > last) last = $2 - t0
                    if ($1 > t0 + m) after++ }
        END { printf "%d %d %.2f %d\n", n, f, f ? last : -1, after }' \
        "$WORK/load-$phase")
    echo "  $phase: $CALLS calls, $FAILED failed ($(awk '$4 != 200 { print $4 " " $5 }' \
        "$WORK/load-$phase" | sort | uniq -c | tr -s ' \n' ' ')), the last failure ${LAST_FAIL}s after the fault"
}

# ------------------------------------------------------------ Redis master

slot=$(redis-cli -p "$REDIS_PORT" cluster keyslot "$A")
# master_of SLOT: the port of the slot's master, as the first node that
# answers sees it (CLUSTER NODES: "ID HOST:PORT@BUS FLAGS MASTER PING PONG
# EPOCH LINK RANGE...")
master_of() {
    local p out
    for ((p = REDIS_PORT; p < REDIS_PORT + 6; p++)); do
        out=$(redis-cli -p "$p" cluster nodes 2>/dev/null) || continue
        [ -n "$out" ] || continue
        awk -v s="$1" '$3 ~ /master/ {
            for (i = 9; i <= NF; i++) {
                n = split($i, r, "-")
                if (n == 1) r[2] = r[1]
                if ($i !~ /^\[/ && r[1] + 0 <= s && r[2] + 0 >= s) {
                    split($2, a, "[:@]"); print a[2]; exit
                }
            }
        }' <<<"$out"
        return 0
    done
}
victim=$(master_of "$slot")
[[ "$victim" =~ ^[0-9]+$ ]] || fail "no master found for A's slot $slot"
ok "A's keys are on slot $slot, master 127.0.0.1:$victim"

# A's writes meanwhile: an alias a call, each acknowledged one recorded
lambda a publish-version --function-name echo >/dev/null || fail "publish-version"
(
    i=0
    end=$((SECONDS + SECS))
    while [ "$SECONDS" -lt "$end" ]; do
        i=$((i + 1))
        if lambda a create-alias --function-name echo --name "w$i" \
               --function-version 1 >/dev/null 2>&1; then
            echo "w$i" >>"$WORK/acked"
        fi
    done
) &
WRITER=$!
load_start redis
sleep $((SECS / 4))
t_kill=$(date +%s.%N)
kill -KILL "$(cat "$STATE/redis-cluster/$victim/redis.pid")" ||
    fail "the master could not be killed"
# the failover window: until another node is the slot's master
window=''
for ((i = 0; i < 300; i++)); do
    m=$(master_of "$slot")
    if [ -n "$m" ] && [ "$m" != "$victim" ]; then
        window=$(awk -v a="$(date +%s.%N)" -v b="$t_kill" \
                     'BEGIN { printf "%.2f", a - b }')
        break
    fi
    sleep 0.1
done
[ -n "$window" ] || fail "no replica took over A's slot within 30 s"
ok "master $victim killed: 127.0.0.1:$m took its slots after ${window}s (the failover window)"
load_report redis "$t_kill"
wait "$WRITER"
if [ "$FAILED" -gt 0 ]; then
    awk -v l="$LAST_FAIL" -v w="$window" -v m="$MARGIN" \
        'BEGIN { exit !(l <= w + m) }' ||
        fail "calls failed until ${LAST_FAIL}s after the kill, past the window (${window}s) and its margin (${MARGIN}s)"
fi
check "calls that started past the window (+${MARGIN}s) and failed" \
    "$(awk -v t0="$t_kill" -v w="$window" -v m="$MARGIN" \
        '$1 > t0 + w + m && $4 != 200' "$WORK/load-redis" | wc -l)" 0
acked=$(wc -l <"$WORK/acked" 2>/dev/null || echo 0)
[ "$acked" -gt 0 ] || fail "no alias creation was acknowledged"
lost=0
while read -r name; do
    lambda a get-alias --function-name echo --name "$name" >/dev/null 2>&1 ||
        { echo "  lost: alias $name"; lost=$((lost + 1)); }
done <"$WORK/acked"
check "aliases acknowledged during the failover ($acked) and lost" "$lost" 0
stack_wait 60 "the old master, back as a replica" sh -c \
    "redis-cli -p $victim role 2>/dev/null | head -n 1 | grep -qx slave" ||
    fail "the killed master did not come back as a replica"
ok "the supervisor started 127.0.0.1:$victim again: it is now a replica"

# ------------------------------------------------------------ fngated host

# the host that runs A's calls: its guests' prefix is in A's billing lines
vm=$(grep "\"billing_account\":\"$A\"" "$ACCESS_LOG" |
     jq -r 'select(.action == "Invoke" and .vm != "") | .vm' | tail -n 1)
prefix=${vm%-*}
host=''
VM_PREFIX=${FNGATE_VM_PREFIX:-fngate}
for ((h = 1; h <= FNGATE_HOSTS; h++)); do
    if [ "$h" = 1 ]; then hp=$VM_PREFIX; hs=$STATE
    else hp=${VM_PREFIX}h$h; hs=$STATE/host$h; fi
    [ "$hp" = "$prefix" ] && host=$h && hstate=$hs
done
[ -n "$host" ] || fail "A's calls ran in $vm, of no host of the stack"
ok "A's calls run on host $host (guest $vm)"

cat >"$WORK/events.py" <<'_PY_'
import os, sys, time, boto3, botocore.config
secs, out = float(sys.argv[1]), sys.argv[2]
lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  connect_timeout=5, read_timeout=60))
end = time.time() + secs
with open(out, 'a') as f:
    while time.time() < end:
        try:
            r = lam.invoke(FunctionName='echo', InvocationType='Event',
                           Payload=b'{}')
            if r['StatusCode'] == 202:
                f.write(r['ResponseMetadata']['RequestId'] + '\n')
                f.flush()
        except Exception:
            pass
        time.sleep(0.05)
_PY_
: >"$WORK/events"
as a "$PY" "$WORK/events.py" "$SECS" "$WORK/events" 2>"$WORK/events.err" &
EVENTS=$!
load_start fngated
sleep $((SECS / 4))
t_kill=$(date +%s.%N)
kill -KILL "$(cat "$hstate/fngated/fngated.pid")" ||
    fail "host $host's fngated could not be killed"
ok "host $host's fngated killed"
load_report fngated "$t_kill"
wait "$EVENTS"
bad=$(awk -v t0="$t_kill" '$4 != 200 && $4 != 502' "$WORK/load-fngated" | wc -l)
check "failed calls other than 502 (in flight on the dead host)" "$bad" 0
check "calls that started ${MARGIN}s after the kill and failed" "$AFTER" 0
moved=$(grep "\"billing_account\":\"$A\"" "$ACCESS_LOG" |
        jq -r "select(.action == \"Invoke\" and .vm != \"\"
                      and (.msec | tonumber) > $t_kill + $MARGIN) | .vm" |
        sed 's/-[0-9]*$//' | sort -u | tr '\n' ' ')
[ -n "$(tr ' ' '\n' <<<"$moved" | grep -vx -e "$prefix" -e '')" ] ||
    fail "A's calls after the kill ran in '$moved', not on another host"
first=$(grep "\"billing_account\":\"$A\"" "$ACCESS_LOG" |
        jq -r "select(.action == \"Invoke\" and .status == \"200\"
                      and (.vm | startswith(\"$prefix-\") | not)
                      and (.msec | tonumber) > $t_kill) | .msec" | head -n 1)
moved_after=$(awk -v a="$first" -v b="$t_kill" 'BEGIN { printf "%.2f", a - b }')
ok "A's later calls ran on another host (guests of $moved; host $host's again once it is back), the first ${moved_after}s after the kill"
sort -u "$WORK/events" >"$WORK/events.ids"
accepted=$(wc -l <"$WORK/events.ids")
[ "$accepted" -gt 0 ] || fail "no event was accepted"
ran() {
    grep -h '"invocation_type":"Event"' "$ACCESS_LOG" |
        jq -R -r 'fromjson? | select(.status == "200" and .function_error == "")
                  | .event_id' | sort -u
}
for ((i = 0; i < 120; i++)); do
    [ -z "$(comm -23 "$WORK/events.ids" <(ran))" ] && break
    sleep 1
done
check "events accepted ($accepted) that did not run" \
    "$(comm -23 "$WORK/events.ids" <(ran) | wc -l)" 0
stack_wait 300 "host $host again" sh -c "[ -s $hstate/fngated/fngated.pid ]" ||
    fail "the supervisor did not start host $host again"
ok "the supervisor started host $host again"

# ------------------------------------------------------------ nginx

load_start nginx
sleep $((SECS / 5))
kill -HUP "$(cat "$STATE/nginx/nginx.pid")"
sleep $((SECS / 5))
kill -HUP "$(cat "$STATE/nginx/nginx.pid")"
sleep $((SECS / 5))
old=$(cat "$STATE/nginx/nginx.pid")
kill -USR2 "$old"
stack_wait 20 "the new nginx master" sh -c \
    "[ -s $STATE/nginx/nginx.pid ] && [ \$(cat $STATE/nginx/nginx.pid) != $old ]" ||
    fail "nginx's binary upgrade did not start a new master"
kill -QUIT "$old"
ok "nginx reloaded twice and restarted (binary upgrade: $old -> $(cat "$STATE/nginx/nginx.pid"))"
load_report nginx
check "calls that failed while nginx was reloaded and restarted" "$FAILED" 0

# ------------------------------------------------------------ one bill

# GetUsage of A as each host answers it (straight to its FastCGI socket,
# with the params the module gives such a call), and through nginx.
host_usage() {
    local hs=$1
    [ "$1" = 1 ] && hs=$STATE || hs=$STATE/host$1
    env -i REQUEST_METHOD=GET REQUEST_URI=/2015-03-31/usage QUERY_STRING= \
        FNGATE_ACTION=GetUsage FNGATE_REQUEST_ID="usage-$1" \
        FNGATE_CALLER="$A" FNGATE_REGION="$REGION" \
        cgi-fcgi -bind -connect "$hs/fngated/fngated.sock" 2>/dev/null |
        sed -n '/^\r\{0,1\}$/,$p' | tail -n +2
}
# the file's figures (the billing log read by fngated usage), then Redis's
file_calls=$("$FNGATE" usage --account "$A" --log "$ACCESS_LOG" | awk 'NR > 1 { n += $4 } END { print n + 0 }')
for ((i = 0; i < 60; i++)); do
    via=$(sigv4 a GET /2015-03-31/usage)
    [ "$(status_of "$via")" = 200 ] || fail "GetUsage through nginx: $via"
    via=${via%$'\n'*}
    [ "$(jq '[.Usage[].Calls] | add' <<<"$via")" = "$file_calls" ] && break
    sleep 1
done
check "A's calls in GetUsage (Redis) and in the billing log (file)" \
    "$(jq '[.Usage[].Calls] | add' <<<"$via")" "$file_calls"
for ((h = 1; h <= FNGATE_HOSTS; h++)); do
    check "host $h's GetUsage of A, byte for byte as through nginx" \
        "$(host_usage "$h")" "$via"
done

echo "cluster-faults: redis failover window ${window}s, A's calls on another host ${moved_after}s after its host was killed"
