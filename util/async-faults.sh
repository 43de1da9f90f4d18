#!/usr/bin/env bash
# util/async-faults.sh: asynchronous events survive the failure of the
# parts that hold them (issue 13, "Fault tests"): no event accepted with
# 202 is lost, whatever dies while the events are sent and run.
#
#   util/async-faults.sh [--keep]      (FAULT_EVENTS, default 1000)
#
# On the stack of util/fngate (FNGATE_STATE, FNGATE_PORT,
# FNGATE_REDIS_PORT, FNGATE_VM_PREFIX as there; started with its
# supervisor when it is not running, and stopped at the end unless
# --keep), with short leases (async_visibility_timeout=5), two accounts
# each send FAULT_EVENTS / 2 events to a function of their own (`cat`)
# with boto3, 8 at a time.  While they are sent and run:
#
#   at 20% of the events run   fngated is killed (SIGKILL); the
#                              supervisor starts it again
#   at 35%                     Redis is killed (SIGKILL) and started again
#                              by the supervisor from its append-only file
#                              (appendfsync always)
#   at 50%                     fngated is killed again
#   at 65%                     the QEMU of one of the stack's guests is
#                              killed (SIGKILL), the event running in it
#                              with it
#
# An event has run when a billing line of an attempt of it (its event_id,
# "invocation_type":"Event") answered 200 without a function error.  At
# the end (FAULT_WAIT seconds at most, default 900) every event whose
# Invoke was answered 202 must have run; the script prints how many were
# accepted, ran, ran more than once (an event whose worker died after its
# function ran is run again: at least once, not exactly once) and were
# lost, and exits 1 if any was lost.
set -uo pipefail

. "$(dirname "$(readlink -f "$0")")/story-lib.sh"

N=${FAULT_EVENTS:-1000}
WAIT=${FAULT_WAIT:-900}
export FNGATE_FNGATED_KEYS="async_visibility_timeout=5 async_sweep=2 ${FNGATE_FNGATED_KEYS:-}"

[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 2 ] ||
    { echo "async-faults: FAULT_EVENTS must be a number >= 2" >&2; exit 2; }

story_begin async-faults "$@"
kill -0 "$(cat "$STATE/supervisor.pid" 2>/dev/null)" 2>/dev/null ||
    fail "the stack runs without its supervisor; stop it (fngate down) first"

ZIP=$WORK/count.zip
printf '#!/bin/sh\ncat\n' >"$WORK/handler"
chmod 755 "$WORK/handler"
(cd "$WORK" && zip -q count.zip handler)
for who in a b; do
    out=$(lambda "$who" create-function --function-name count \
        --runtime provided --handler handler \
        --role arn:aws:iam::000000000000:role/fngate \
        --zip-file "fileb://$ZIP" 2>&1) || fail "create-function: $out"
done
ok "two accounts, a function each"

# The sender: N/2 events per account, 8 in flight, each 202's request id
# on a line of WORK/accepted ("ACCOUNT RID"); other answers are counted.
cat >"$WORK/send.py" <<'_PY_'
import concurrent.futures, json, os, sys
import boto3, botocore.config, botocore.exceptions
n, acct, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  read_timeout=60, max_pool_connections=8))
def one(i):
    try:
        r = lam.invoke(FunctionName='count', InvocationType='Event',
                       Payload=json.dumps({'i': i}).encode())
        return r['StatusCode'], r['ResponseMetadata']['RequestId']
    except botocore.exceptions.ClientError as e:
        return e.response['ResponseMetadata']['HTTPStatusCode'], None
    except Exception as e:
        return 0, None
refused = 0
with open(out, 'a') as f, \
     concurrent.futures.ThreadPoolExecutor(8) as pool:
    for code, rid in pool.map(one, range(n)):
        if code == 202:
            f.write('%s %s\n' % (acct, rid))
            f.flush()
        else:
            refused += 1
print('refused', refused)
_PY_

# ran: the events that ran (by the billing log), one request id a line.
ran() {
    grep -h '"invocation_type":"Event"' "$ACCESS_LOG" 2>/dev/null |
        jq -R -r 'fromjson? | select(.status == "200"
                                     and .function_error == "")
                  | .event_id' | sort
}

# guest_killed: SIGKILL to the QEMU of one guest of this stack's prefix.
guest_killed() {
    local p
    for p in $(pgrep -x qemu-system-x86); do
        tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null |
            grep -q "^guest=${FNGATE_VM_PREFIX:-fngate}-" || continue
        kill -KILL "$p" && ok "a guest's QEMU (pid $p) killed at $(ran | sort -u | wc -l) events run"
        return 0
    done
    return 1
}

killed() {
    local what=$1 pidf=$2 pid
    pid=$(cat "$pidf" 2>/dev/null) || return 1
    kill -KILL "$pid" 2>/dev/null || return 1
    ok "$what (pid $pid) killed at $(ran | sort -u | wc -l) events run"
}

: >"$WORK/accepted"
half=$((N / 2))
as a "$PY" "$WORK/send.py" "$half" a "$WORK/accepted" >"$WORK/send-a.log" 2>&1 &
SEND_A=$!
as b "$PY" "$WORK/send.py" "$((N - half))" b "$WORK/accepted" >"$WORK/send-b.log" 2>&1 &
SEND_B=$!

# the faults, each once the events that ran pass its mark
step=0
marks=("$((N * 20 / 100))" "$((N * 35 / 100))" "$((N * 50 / 100))"
       "$((N * 65 / 100))")
deadline=$((SECONDS + WAIT))
while [ "$step" -lt 4 ] && [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$(ran | sort -u | wc -l)" -ge "${marks[$step]}" ]; then
        case $step in
            0|2) killed fngated "$STATE/fngated/fngated.pid" ||
                     fail "fngated is not running to be killed" ;;
            1) killed redis "$STATE/redis/redis.pid" ||
                   fail "Redis is not running to be killed" ;;
            3) guest_killed || fail "no guest of the stack to kill" ;;
        esac
        step=$((step + 1))
        sleep 1
    fi
    sleep 0.5
done
[ "$step" = 4 ] || fail "only $step of the 4 faults happened in ${WAIT}s"
wait "$SEND_A" "$SEND_B"
ok "sent: $(cat "$WORK"/send-?.log | tr '\n' ' ')"

accepted=$(wc -l <"$WORK/accepted")
cut -d' ' -f2 "$WORK/accepted" | sort -u >"$WORK/accepted.ids"
while [ "$SECONDS" -lt "$deadline" ]; do
    ran | sort -u >"$WORK/ran.ids"
    [ -z "$(comm -23 "$WORK/accepted.ids" "$WORK/ran.ids")" ] && break
    sleep 2
done
ran >"$WORK/ran.all"
sort -u "$WORK/ran.all" >"$WORK/ran.ids"
lost=$(comm -23 "$WORK/accepted.ids" "$WORK/ran.ids" | wc -l)
done_n=$(comm -12 "$WORK/accepted.ids" "$WORK/ran.ids" | wc -l)
twice=$(uniq -d "$WORK/ran.all" | wc -l)
echo "events: accepted $accepted, ran $done_n, ran more than once $twice, lost $lost"
echo "restarts: $(tr '\n' ' ' <"$STATE/supervisor.restarts" 2>/dev/null)"
[ "$accepted" -ge $((N / 2)) ] ||
    fail "only $accepted of $N events were accepted"
check "no accepted event is lost" "$lost" 0
