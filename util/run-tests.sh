#!/usr/bin/env bash
# util/run-tests.sh: the t/ part of `make test`.
#
# Starts what the Test::Nginx tests need around the nginx that
# Test::Nginx::Socket itself starts: libvirtd/virtlogd when they are not
# running, a Redis of its own (TEST_NGINX_REDIS_PORT, default 16391, no
# persistence, maxmemory FNGATE_TEST_REDIS_MAXMEMORY, default 1gb, with
# noeviction as every fngate stack) and a test fngated with its own state directory; exports the
# TEST_NGINX_* variables of HACKING.md; runs `prove -I t/lib t/` (or prove
# on the files given as arguments); stops what it started; exits with
# prove's status.
#
# The Test::Nginx::Socket the tests run under: PERL5LIB as the user gives
# it; when PERL5LIB is unset, upstream's in ../shared/test-nginx/lib beside
# the checkout when it is there; FNGATE_TEST_NGINX=fallback forces fngate's
# fallback (t/lib/fallback), =upstream insists on upstream's (see
# t/lib/FngateTestNginx.pm).  Which one ran is printed first, and again
# after prove's summary as the last line.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
cd "$ROOT"

export FNGATE_ROOT=$ROOT
export TEST_NGINX_BINARY=${TEST_NGINX_BINARY:-/usr/sbin/nginx}
export TEST_NGINX_FNGATE_MODULE=${TEST_NGINX_FNGATE_MODULE:-$BUILD/ngx_http_fngate_module.so}
export TEST_NGINX_SERVER_PORT=${TEST_NGINX_SERVER_PORT:-1984}
export TEST_NGINX_REDIS_PORT=${TEST_NGINX_REDIS_PORT:-16391}

# Which Test::Nginx::Socket
if [ -z "${PERL5LIB:-}" ] && [ "${FNGATE_TEST_NGINX:-auto}" != fallback ] &&
   [ -f "$ROOT/../shared/test-nginx/lib/Test/Nginx/Socket.pm" ]; then
    PERL5LIB=$(cd "$ROOT/../shared/test-nginx/lib" && pwd)
    export PERL5LIB
fi
export FNGATE_TEST_NGINX=${FNGATE_TEST_NGINX:-auto}
TEST_NGINX_IMPL=$(perl -I"$ROOT/t/lib" -MFngateTestNginx \
    -e 'my ($k, $p) = FngateTestNginx::implementation(); print "$k at $p"') ||
    exit 2

TSTATE=${FNGATE_TEST_STATE:-$ROOT/t/servroot-state}
# The test fngated's VMs are PREFIX-N; two runs at once need two prefixes.
PREFIX=${FNGATE_TEST_PREFIX:-fgtest}
export TEST_NGINX_FNGATED_SOCKET=$TSTATE/fngated/fngated.sock
LOG=$TSTATE/run-tests.log

started=()      # what to stop, in reverse order

note() { echo "run-tests: $*" >&2; }

cleanup() {
    local i what
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
        what=${started[$i]}
        case $what in
            redis) redis-cli -h 127.0.0.1 -p "$TEST_NGINX_REDIS_PORT" \
                       shutdown nosave >/dev/null 2>&1 ;;
            pid:*) stop_pid "${what#pid:}" ;;
            daemon:*) pkill_one "${what#daemon:}" ;;
        esac
    done
    started=()
    # Test::Nginx leaves its last nginx running, and a test killed
    # before its end its own fngated (FngateTest::own_fngated); stop them.
    stop_pid_file "${TEST_NGINX_SERVROOT:-$ROOT/t/servroot}/logs/nginx.pid"
    stop_pid_file "$TSTATE/own/fngated.pid"
}

alive() {
    [ -d "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

stop_pid() {
    local pid=$1 i
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
}

stop_pid_file() {
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    [[ "$pid" =~ ^[0-9]+$ ]] && stop_pid "$pid"
}

pkill_one() {
    # A daemon we started whose pid we learned from pgrep after it forked.
    stop_pid "$1"
}

# One run per state directory: a second one would wipe the first one's
# state and stop its nginx.  Nothing is cleaned up when the lock is taken.
mkdir -p "$(dirname "$TSTATE")"
exec 9>"$TSTATE.lock"
if ! flock -n 9; then
    note "another run uses $TSTATE; wait for it, or give this one its own FNGATE_TEST_STATE, ports and FNGATE_TEST_PREFIX"
    exit 1
fi

trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh state, but what is keyed by what it was made from is kept: the
# KVM probe's result (kernel and QEMU versions; probing costs a guest
# boot) and the guests' snapshot (kernel, initramfs, template, VM
# settings; making it costs a boot and a save).
keep=$(mktemp -d)
for f in accel-probe snapshot.img snapshot.key; do
    [ -s "$TSTATE/vm/$f" ] && mv "$TSTATE/vm/$f" "$keep/"
done
rm -rf "$TSTATE"
mkdir -p "$TSTATE/redis" "$TSTATE/fngated" "$TSTATE/vm"
mv "$keep"/* "$TSTATE/vm/" 2>/dev/null
rmdir "$keep"
: >"$LOG"

# libvirt, when absent
lv=$("$ROOT/util/libvirt-up.sh") || { note "libvirtd is not usable"; exit 1; }
while read -r _ name pid; do
    [ -n "${pid:-}" ] && started+=("daemon:$pid")
done <<<"$lv"

# Redis of our own
if redis-cli -h 127.0.0.1 -p "$TEST_NGINX_REDIS_PORT" ping >/dev/null 2>&1; then
    note "port $TEST_NGINX_REDIS_PORT is taken by another Redis; set TEST_NGINX_REDIS_PORT"
    exit 1
fi
redis-server --bind 127.0.0.1 --port "$TEST_NGINX_REDIS_PORT" \
    --daemonize yes --dir "$TSTATE/redis" --save '' --appendonly no \
    --maxmemory "${FNGATE_TEST_REDIS_MAXMEMORY:-1gb}" \
    --maxmemory-policy noeviction \
    --pidfile "$TSTATE/redis/redis.pid" --logfile "$TSTATE/redis/redis.log" \
    && started+=(redis)
for ((i = 0; i < 100; i++)); do
    redis-cli -h 127.0.0.1 -p "$TEST_NGINX_REDIS_PORT" ping 2>/dev/null |
        grep -q PONG && break
    sleep 0.1
done

# fngated of our own, with the guest kernel `make build` unpacked
if [ -d "$ROOT/.fngate/kernel" ]; then
    ln -s "$ROOT/.fngate/kernel" "$TSTATE/kernel"
fi
if [ -x "$BUILD/fngated" ] && [ -f conf/fngated.conf ]; then
    # Its guests get their own name prefix: fngated destroys the domains
    # of its prefix when it starts, and must not touch `fngate up`'s.
    sed -e "s|@STATE@|$TSTATE|g" -e "s|@ROOT@|$ROOT|g" \
        -e "s|@REDIS_PORT@|$TEST_NGINX_REDIS_PORT|g" -e "s|@BUILD@|$BUILD|g" \
        -e "s|^name_prefix *=.*|name_prefix = $PREFIX|" \
        -e "s|^idle_timeout *=.*|idle_timeout = 60|" \
        -e "s|^billing_log *=.*|billing_log = ${TEST_NGINX_SERVROOT:-$ROOT/t/servroot}/logs/access.log|" \
        conf/fngated.conf >"$TSTATE/fngated/fngated.conf"
    grep -q "^name_prefix = $PREFIX\$" "$TSTATE/fngated/fngated.conf" ||
        echo "name_prefix = $PREFIX" >>"$TSTATE/fngated/fngated.conf"
    setsid "$BUILD/fngated" -c "$TSTATE/fngated/fngated.conf" </dev/null \
        >>"$TSTATE/fngated/fngated.log" 2>&1 9>&- &
    fpid=$!
    started+=("pid:$fpid")
    echo "$fpid" >"$TSTATE/fngated/fngated.pid"
    for ((i = 0; i < 300; i++)); do
        perl -MIO::Socket::UNIX -e \
            'exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 1)' \
            "$TEST_NGINX_FNGATED_SOCKET" 2>/dev/null && break
        alive "$fpid" || { note "fngated exited; see $TSTATE/fngated/fngated.log"; break; }
        sleep 0.1
    done
    # The first Invoke should not race the pool's first boot.
    for ((i = 0; i < 1800; i++)); do
        grep -q 'vm pool ready' "$TSTATE/fngated/fngated.log" && break
        alive "$fpid" || break
        sleep 0.1
    done
    grep -q 'vm pool ready' "$TSTATE/fngated/fngated.log" ||
        note "fngated's VM pool is not ready; see $TSTATE/fngated/fngated.log"
else
    note "no $BUILD/fngated or conf/fngated.conf: tests that reach the backend will fail"
fi

[ -f "$TEST_NGINX_FNGATE_MODULE" ] ||
    note "no $TEST_NGINX_FNGATE_MODULE: the tests can not load the module"

if [ $# -eq 0 ]; then
    set -- t/
fi
note "Test::Nginx::Socket: $TEST_NGINX_IMPL"
# (without the lock's descriptor: what the tests start must not hold it)
prove -I t/lib "$@" 9>&-
rc=$?
cleanup >>"$LOG" 2>&1
trap - EXIT
note "ran under Test::Nginx::Socket $TEST_NGINX_IMPL"
exit $rc
