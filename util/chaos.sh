#!/usr/bin/env bash
# util/chaos.sh: fault injection (issue 11, "Failing parts"): what a
# client sees when a part of fngate fails under load, that the stack comes
# back, and that no call answered 200 loses its billing line.
#
#   util/chaos.sh [--keep]          (`make chaos`: on a stack of its own)
#
# Starts the stack of util/fngate (FNGATE_STATE, FNGATE_PORT,
# FNGATE_REDIS_PORT, FNGATE_VM_PREFIX as there; it must not be running:
# the billing log goes on a file system of its own first) with its
# supervisor, and stops it at the end (`--keep` leaves it up).  The
# billing log is STATE/billing/access.log on a tmpfs of CHAOS_LOG_KB
# (default 2048) KB, linked from STATE/nginx/logs/access.log.
#
# Accounts A and B each own the function "chaos" (busybox sh, sleeps 2 s
# and answers); one client per account calls its own function over and
# over with curl --aws-sigv4 (two calls in flight at most).  Phases, each
# with the load running:
#
#   fngated   SIGKILL of fngated while a call is in it: that call gets
#             502 ServiceException; a call sent 5 s after the kill gets
#             200 (the supervisor restarted fngated); the QEMU processes
#             of the dead fngated's guests are gone once the new one
#             started (it destroys its prefix's domains), none leaked
#   redis     SIGKILL of Redis while calls are in flight (the supervisor
#             restarts it; appendonly with appendfsync always: nothing
#             acknowledged is lost)
#   guest     SIGKILL of the QEMU of A's guest while A's call runs in it:
#             A's call gets a Lambda-style error, B's calls are not
#             touched, A's next calls get a new guest
#   reload    `nginx -s reload` with calls in flight: every call 200
#   libvirtd  libvirtd stopped and started again with calls in flight:
#             they finish 200 (guests talk to fngated without libvirtd),
#             and a new account's first call (a guest made after the
#             restart) succeeds.  libvirtd is the host's and may serve
#             other stacks: the phase runs only when no domain of another
#             prefix exists, or with CHAOS_LIBVIRTD=1 (CHAOS_LIBVIRTD=0
#             skips it)
#   disk      the billing log's file system filled up with calls in
#             flight: they get 503 ServiceException (fngated's
#             billing_log_reserve), and nginx's write of their lines
#             fails; once space is freed calls get 200 again
#
# After each phase the clients must each have had two 200s in a row again
# (within 180 s).  At the end: every 200's request id has its billing line
# (a JSON record, read as `fngate usage` reads the log), every error answer
# has x-amzn-ErrorType, and after `fngate down` no domain of the prefix is
# left.  Prints what the clients saw per phase, "ok"/"FAIL" per check;
# exits 1 if any check failed.
set -uo pipefail

. "$(dirname "$(readlink -f "$0")")/story-lib.sh"

NGINX=/usr/sbin/nginx
LIBVIRT_URI=qemu:///system
PREFIX=${FNGATE_VM_PREFIX:-fngate}
BILL=$STATE/billing
LOG_KB=${CHAOS_LOG_KB:-2048}
VIOL=0
CLIENTS=()

violation() { echo "FAIL - $*" >&2; VIOL=$((VIOL + 1)); }
expect() {
    # expect DESCRIPTION CONDITION...: ok when the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else violation "$what"; fi
}

chaos_finish() {
    local rc=$? pid
    touch "$WORK/stop" 2>/dev/null
    for pid in "${CLIENTS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$KEEP" = 0 ]; then
        "$FNGATE" down >/dev/null 2>&1
        mountpoint -q "$BILL" && umount "$BILL"
    fi
    [ -n "$WORK" ] && rm -rf "$WORK"
    [ "$rc" = 0 ] && [ "$VIOL" -gt 0 ] && rc=1
    exit "$rc"
}

# ---------------------------------------------------------------- the stack

if "$FNGATE" status | grep -q '^nginx .*running'; then
    echo "chaos: the stack of $STATE is running; chaos.sh needs one of its own" >&2
    exit 2
fi
mkdir -p "$BILL" "$STATE/nginx/logs"
mountpoint -q "$BILL" && umount "$BILL"
mount -t tmpfs -o "size=${LOG_KB}k,mode=0755" fngate-chaos-billing "$BILL" ||
    { echo "chaos: can not mount a tmpfs on $BILL (needs root)" >&2; exit 2; }
rm -f "$STATE/nginx/logs/access.log"
ln -s "$BILL/access.log" "$STATE/nginx/logs/access.log"

story_begin chaos "${1:-}"
trap chaos_finish EXIT
grep -q '^appendonly yes' "$STATE/redis/redis.conf" &&
    grep -q '^appendfsync always' "$STATE/redis/redis.conf" &&
    ok "redis: appendonly yes, appendfsync always"

domains() {
    # the names of this stack's domains, running or not
    virsh -c "$LIBVIRT_URI" list --all --name 2>/dev/null |
        grep -E "^$PREFIX-[0-9]+\$" || true
}
qemu_pids() {
    # the QEMU processes of this stack's guests: "PID NAME" lines
    local p
    for p in $(pgrep -f "guest=$PREFIX-[0-9]+,"); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null |
            grep -o "guest=$PREFIX-[0-9]*," | sed "s/^guest=/$p /; s/,\$//"
    done
}

mkdir "$WORK/fn"
cat >"$WORK/fn/handler" <<'EOF'
#!/bin/sh
# Sleeps as long as the event's "sleep" says (seconds), then answers.
event=$(cat)
s=$(printf '%s' "$event" | sed -n 's/.*"sleep": *\([0-9]*\).*/\1/p')
[ -n "$s" ] && sleep "$s"
printf '{"done":true,"event":%s}\n' "${event:-null}"
EOF
chmod 755 "$WORK/fn/handler"
(cd "$WORK/fn" && zip -q -X ../chaos.zip handler)
for who in a b c; do
    lambda "$who" create-function --function-name chaos --runtime provided \
        --handler handler --role arn:aws:iam::000000000000:role/fngate \
        --memory-size 128 --timeout 60 --zip-file "fileb://$WORK/chaos.zip" >/dev/null ||
        fail "$who: create-function"
done
ok "A, B and C own the function chaos"

# invoke WHO SECONDS: one signed Invoke of WHO's chaos that sleeps SECONDS;
# prints "STATUS REQUEST-ID ERROR-TYPE" ("-" for none; status 000: no
# HTTP answer).
invoke() {
    local f=$WORK/$1.json h b st rid et
    h=$(mktemp "$WORK/h.XXXXXX")
    b=$(mktemp "$WORK/b.XXXXXX")
    st=$(curl -s --max-time 300 --aws-sigv4 "aws:amz:$REGION:lambda" \
        --user "$(jq -r .AccessKeyId "$f"):$(jq -r .SecretAccessKey "$f")" \
        -X POST -H 'Content-Type: application/json' \
        --data "{\"sleep\":$2}" -D "$h" -o "$b" -w '%{http_code}' \
        "$EP/2015-03-31/functions/chaos/invocations")
    rid=$(tr -d '\r' <"$h" | awk -F': ' 'tolower($1) == "x-amzn-requestid" { print $2 }')
    et=$(tr -d '\r' <"$h" | awk -F': ' 'tolower($1) == "x-amzn-errortype" { print $2 }')
    echo "${st:-000} ${rid:--} ${et:--}"
    rm -f "$h" "$b"
}

# client WHO: calls until $WORK/stop exists; one line per call in
# $WORK/calls: "PHASE WHO STATUS REQUEST-ID ERROR-TYPE END-TIME".  The
# phase is the one of $WORK/phase when the call started; "idle" pauses.
client() {
    local who=$1 phase res
    while [ ! -e "$WORK/stop" ]; do
        phase=$(cat "$WORK/phase")
        if [ "$phase" = idle ]; then
            sleep 0.2
            continue
        fi
        echo "$phase" >"$WORK/busy.$who"
        res=$(invoke "$who" 2)
        rm -f "$WORK/busy.$who"
        echo "$phase $who $res $(date +%s.%N)" >>"$WORK/calls"
    done
}

echo idle >"$WORK/phase"
: >"$WORK/calls"
for who in a b; do
    client "$who" &
    CLIENTS+=($!)
done

# The first calls of each account make its guest (a restore under TCG).
echo warmup >"$WORK/phase"

# successes PHASE WHO: the 200s of WHO in PHASE since the last other answer
successes() {
    awk -v p="$1" -v w="$2" '$1 == p && $2 == w { n = ($3 == 200) ? n + 1 : 0 }
        END { print n + 0 }' "$WORK/calls"
}

# recovered PHASE: waits (180 s) until both clients had two 200s in a row
# in PHASE.
recovered() {
    local i
    for ((i = 0; i < 1800; i++)); do
        if [ "$(successes "$1" a)" -ge 2 ] && [ "$(successes "$1" b)" -ge 2 ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# in_flight WHO: waits (60 s) until a call WHO started in the current
# phase has reached fngated (nginx holds a FastCGI connection to it) and
# is still running 0.5 s later, inside the handler's 2 s.
in_flight() {
    local i phase
    phase=$(cat "$WORK/phase")
    for ((i = 0; i < 600; i++)); do
        if [ "$(cat "$WORK/busy.$1" 2>/dev/null)" = "$phase" ] &&
           ss -xH state connected 2>/dev/null |
               grep -q "$STATE/fngated/fngated.sock"; then
            sleep 0.5
            [ "$(cat "$WORK/busy.$1" 2>/dev/null)" = "$phase" ] && return 0
        fi
        sleep 0.1
    done
    return 1
}

# seen PHASE: what the clients saw, "STATUS[/ERROR-TYPE] xN" per kind
seen() {
    awk -v p="$1" '$1 == p { k = $3 ($5 == "-" ? "" : "/" $5); n[k]++ }
        END { for (k in n) printf "%s x%d, ", k, n[k] }' "$WORK/calls" |
        sed 's/, $//'
}
# others PHASE ALLOWED...: the answers of PHASE that are not 200 nor one
# of ALLOWED ("STATUS/ERROR-TYPE")
others() {
    local p=$1
    shift
    awk -v p="$p" -v allow="200 $*" '
        BEGIN { split(allow, a, " "); for (i in a) ok[a[i]] = 1 }
        $1 == p { k = $3 ($5 == "-" ? "" : "/" $5); if (!(k in ok)) print k }' \
        "$WORK/calls" | sort | uniq -c | tr '\n' ' '
}
count() {
    awk -v p="$1" -v k="$2" '$1 == p && ($3 ($5 == "-" ? "" : "/" $5)) == k' \
        "$WORK/calls" | wc -l
}

report() {
    echo "     phase $1: the clients saw $(seen "$1")"
}

expect "warmup: both accounts' calls succeed" recovered warmup
report warmup

# ---------------------------------------------------------------- fngated

echo fngated >"$WORK/phase"
expect "fngated: A's call is in flight" in_flight a
before=$(qemu_pids)
echo "     guests before: $(echo "$before" | awk '{ print $2 "(" $1 ")" }' | tr '\n' ' ')"
old=$(cat "$STATE/fngated/fngated.pid")
kill -KILL "$old"
t_kill=$(date +%s%N)
ok "fngated: SIGKILL of pid $old with calls in flight"
# a call of C sent 5 s after the kill
while (($(date +%s%N) < t_kill + 5000000000)); do sleep 0.05; done
late=$(invoke c 0)
echo "     the call sent 5 s after the kill: $late"
expect "fngated: a call sent 5 s after the kill succeeds" test "${late%% *}" = 200
echo "fngated c $late $(date +%s.%N)" >>"$WORK/calls.extra"
expect "fngated: both clients succeed again" recovered fngated
report fngated
expect "fngated: the call in flight got 502 ServiceException" \
    test "$(count fngated 502/ServiceException)" -ge 1
bad=$(others fngated 502/ServiceException)
expect "fngated: no other answer than 200 and 502 ServiceException${bad:+ (got $bad)}" \
    test -z "$bad"
expect "fngated: the supervisor restarted it" \
    grep -q "fngated restarted" "$STATE/supervisor.log"
# The new fngated destroys its prefix's domains before it makes a guest.
leaked=''
for ((i = 0; i < 600; i++)); do
    leaked=''
    while read -r pid name; do
        [ -n "$pid" ] && [ -d "/proc/$pid" ] && leaked+="$name($pid) "
    done <<<"$before"
    [ -z "$leaked" ] && break
    sleep 0.1
done
expect "fngated: the dead fngated's guests are gone, none leaked${leaked:+ (left: $leaked)}" \
    test -z "$leaked"
echo "     guests after: $(qemu_pids | awk '{ print $2 "(" $1 ")" }' | tr '\n' ' ')"
grep -h "destroying stale domain" "$STATE/fngated/fngated.log" | tail -n 4 |
    sed 's/^/     fngated.log: /'

# ---------------------------------------------------------------- redis

echo redis >"$WORK/phase"
expect "redis: A's call is in flight" in_flight a
old=$(cat "$STATE/redis/redis.pid")
kill -KILL "$old"
ok "redis: SIGKILL of pid $old with calls in flight"
expect "redis: both clients succeed again" recovered redis
report redis
bad=$(others redis 502/ServiceException 503/ServiceException 500/ServiceException)
expect "redis: no other answer than 200 and 5xx ServiceException${bad:+ (got $bad)}" \
    test -z "$bad"
expect "redis: the supervisor restarted it" \
    grep -q "redis restarted" "$STATE/supervisor.log"

# ---------------------------------------------------------------- guest

echo guest >"$WORK/phase"
expect "guest: A's call is in flight" in_flight a
vm=$(grep -h "\"caller\":\"$A\"" "$ACCESS_LOG" 2>/dev/null | grep '"status":"200"' |
     tail -n 1 | jq -r .vm)
qpid=$(qemu_pids | awk -v n="$vm" '$2 == n { print $1 }')
if [ -n "$qpid" ]; then
    kill -KILL "$qpid"
    ok "guest: SIGKILL of A's guest $vm (QEMU pid $qpid) with its call in flight"
else
    violation "guest: A's guest ($vm) has no QEMU process"
fi
expect "guest: both clients succeed again" recovered guest
report guest
bad=$(awk '$1 == "guest" && $2 == "b" && $3 != 200 { print $3 "/" $5 }' "$WORK/calls" | tr '\n' ' ')
expect "guest: B's calls are untouched${bad:+ (got $bad)}" test -z "$bad"
expect "guest: A's call in the killed guest failed Lambda-style" \
    test -n "$(awk '$1 == "guest" && $2 == "a" && $3 >= 500 && $5 != "-"' "$WORK/calls")"

# ---------------------------------------------------------------- reload

echo reload >"$WORK/phase"
expect "reload: A's call is in flight" in_flight a
"$NGINX" -p "$STATE/nginx/" -c "$STATE/nginx/nginx.conf" -s reload
ok "reload: nginx -s reload with calls in flight"
expect "reload: both clients succeed again" recovered reload
report reload
bad=$(others reload)
expect "reload: every call 200${bad:+ (got $bad)}" test -z "$bad"

# ---------------------------------------------------------------- libvirtd

foreign=$(virsh -c "$LIBVIRT_URI" list --all --name 2>/dev/null |
          grep -v -E "^($PREFIX-[0-9]+|$PREFIX-snap|)\$" | tr '\n' ' ')
if [ "${CHAOS_LIBVIRTD:-}" = 0 ] ||
   { [ -n "$foreign" ] && [ "${CHAOS_LIBVIRTD:-}" != 1 ]; }; then
    echo "skip - libvirtd: ${foreign:+domains of other stacks run: $foreign; }CHAOS_LIBVIRTD=1 runs it"
else
    echo libvirtd >"$WORK/phase"
    expect "libvirtd: A's call is in flight" in_flight a
    lv=$(pgrep -x -o libvirtd)
    kill -TERM "$lv"
    for ((i = 0; i < 300; i++)); do [ -d "/proc/$lv" ] || break; sleep 0.1; done
    LIBVIRT_URI=$LIBVIRT_URI "$ROOT/util/libvirt-up.sh" >/dev/null
    ok "libvirtd: stopped (pid $lv) and started again (pid $(pgrep -x -o libvirtd)) with calls in flight"
    expect "libvirtd: both clients succeed again" recovered libvirtd
    report libvirtd
    bad=$(others libvirtd)
    expect "libvirtd: every call 200${bad:+ (got $bad)}" test -z "$bad"
    # C's guest: the warm one, and the pool makes the next through libvirt.
    res=$(invoke c 0)
    echo "libvirtd c $res $(date +%s.%N)" >>"$WORK/calls.extra"
    expect "libvirtd: C's call after the restart succeeds ($res)" \
        test "${res%% *}" = 200
fi

# ---------------------------------------------------------------- disk

echo disk >"$WORK/phase"
expect "disk: A's call is in flight" in_flight a
dd if=/dev/zero of="$BILL/fill" bs=64k 2>/dev/null
ok "disk: $BILL filled ($(df --output=avail -B1 "$BILL" | tail -n 1 | tr -d ' ') bytes free)"
# until the call in flight has ended (fngated withholds its result), new
# calls were refused and nginx failed to write their lines (a line that
# fits in the file's last page is still written)
for ((i = 0; i < 600; i++)); do
    [ ! -e "$WORK/busy.a" ] && [ "$(count disk 503/ServiceException)" -ge 2 ] &&
        grep -q -E "access.log.*(No space left on device|was incomplete)" \
            "$STATE/nginx/logs/error.log" && break
    sleep 0.1
done
rm -f "$BILL/fill"
ok "disk: space freed"
expect "disk: both clients succeed again" recovered disk
report disk
first=$(awk '$1 == "disk" && $2 == "a" { print $3 "/" $5; exit }' "$WORK/calls")
expect "disk: A's call in flight when the disk filled got 503 ServiceException (got $first)" \
    test "$first" = 503/ServiceException
expect "disk: calls got 503 ServiceException while it was full" \
    test "$(count disk 503/ServiceException)" -ge 2
bad=$(others disk 503/ServiceException)
expect "disk: no other answer than 200 and 503 ServiceException${bad:+ (got $bad)}" \
    test -z "$bad"
expect "disk: nginx's write of the billing log failed (error.log)" \
    grep -q -E "access.log.*(No space left on device|was incomplete)" \
        "$STATE/nginx/logs/error.log"

# ---------------------------------------------------------------- billing

echo idle >"$WORK/phase"
touch "$WORK/stop"
for pid in "${CLIENTS[@]}"; do wait "$pid" 2>/dev/null; done
CLIENTS=()
cat "$WORK/calls.extra" >>"$WORK/calls" 2>/dev/null

# The request ids of the billing log's Invoke records with a billed
# duration, read as `fngate usage` reads them (a line that is not JSON
# from its last record start: a line nginx could not write whole leaves a
# part of it before the next one).
zcat -f "$ACCESS_LOG" | jq -R -r '(fromjson? //
        (. as $l | ($l | rindex("{\"time\":\"")) as $i
         | if $i != null and $i > 0 then ($l[$i:] | fromjson?) else null end)
        // empty)
    | select(.action == "Invoke" and (.billed_ms | tonumber? // 0) > 0)
    | .request_id' | sort -u >"$WORK/billed"
awk '$3 == 200 { print $4 }' "$WORK/calls" | sort -u >"$WORK/ok200"
lost=$(comm -23 "$WORK/ok200" "$WORK/billed" | tr '\n' ' ')
echo "     $(wc -l <"$WORK/ok200") calls answered 200, $(wc -l <"$WORK/billed") billing records"
expect "billing: every call answered 200 has its billing line${lost:+ (lost: $lost)}" \
    test -z "$lost"
bad=$(awk '$3 >= 400 && $5 == "-"' "$WORK/calls")
expect "every error answer is Lambda-style (x-amzn-ErrorType)${bad:+ (not: $bad)}" \
    test -z "$bad"
bad=$(awk '$3 == "000"' "$WORK/calls")
expect "no call went without an HTTP answer${bad:+ ($bad)}" test -z "$bad"
echo "     supervisor: $(grep -c restarted "$STATE/supervisor.log") restarts ($(tr '\n' ' ' <"$STATE/supervisor.restarts"))"

if [ "$KEEP" = 0 ]; then
    "$FNGATE" down >/dev/null 2>&1
    STARTED=0
    left=$(domains | tr '\n' ' ')
    expect "down: no domain of $PREFIX left${left:+ (left: $left)}" test -z "$left"
    left=$(qemu_pids | tr '\n' ' ')
    expect "down: no QEMU of $PREFIX left${left:+ (left: $left)}" test -z "$left"
fi

if [ "$VIOL" -gt 0 ]; then
    echo "chaos: $VIOL check(s) failed" >&2
    exit 1
fi
echo "chaos: all checks passed"
