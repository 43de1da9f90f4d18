#!/usr/bin/env bash
# util/run-tests.sh: the t/ part of `make test`.
#
# Starts what the Test::Nginx tests need around the nginx that
# Test::Nginx::Socket itself starts: libvirtd/virtlogd when they are not
# running, a Redis of its own (TEST_NGINX_REDIS_PORT, default 16391, no
# persistence, maxmemory FNGATE_TEST_REDIS_MAXMEMORY, default 1gb, with
# noeviction as every fngate stack) and a test fngated with its own state
# directory (all three by util/stack.sh; fngated is conf/fngated.conf with
# -o overrides, waited for until its pid file says it is ready); exports the
# TEST_NGINX_* variables of HACKING.md; runs `prove --timer -I t/lib t/` (or prove
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
. "$ROOT/util/stack.sh"

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
            daemon:*) stop_pid "${what#daemon:}" ;;
        esac
    done
    started=()
    # Test::Nginx leaves its last nginx running, and a test killed
    # before its end its own fngated (FngateTest::own_fngated); stop them.
    stop_pid_file "${TEST_NGINX_SERVROOT:-$ROOT/t/servroot}/logs/nginx.pid"
    stop_pid_file "$TSTATE/own/fngated.pid"
}

stop_pid() { stack_stop_pid "$1" TERM 10; }

stop_pid_file() {
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    [[ "$pid" =~ ^[0-9]+$ ]] && stop_pid "$pid"
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
lv=$(stack_libvirt) || { note "libvirtd is not usable"; exit 1; }
while read -r _ name pid; do
    [ -n "${pid:-}" ] && started+=("daemon:$pid")
done <<<"$lv"

# Redis of our own
if redis-cli -h 127.0.0.1 -p "$TEST_NGINX_REDIS_PORT" ping >/dev/null 2>&1; then
    note "port $TEST_NGINX_REDIS_PORT is taken by another Redis; set TEST_NGINX_REDIS_PORT"
    exit 1
fi
started+=(redis)
stack_redis "$TSTATE/redis" "$TEST_NGINX_REDIS_PORT" \
    "${FNGATE_TEST_REDIS_MAXMEMORY:-1gb}" 9>&- ||
    note "Redis did not start; see $TSTATE/redis/redis.log"

# fngated of our own, with the guest kernel `make build` unpacked; the
# first Invoke should not race the pool's first boot: stack_fngated waits
# for its readiness (the pid file).  FngateTest::own_fngated starts its
# own from the command line this one leaves in fngated/fngated.args.
if [ -d "$ROOT/.fngate/kernel" ]; then
    ln -s "$ROOT/.fngate/kernel" "$TSTATE/kernel"
fi
if [ -x "$BUILD/fngated" ] && [ -f conf/fngated.conf ]; then
    # Its guests get their own name prefix: fngated destroys the domains
    # of its prefix when it starts, and must not touch `fngate up`'s.
    if stack_fngated "$TSTATE" "$TEST_NGINX_REDIS_PORT" \
           "name_prefix=$PREFIX" idle_timeout=60 \
           "gateway=127.0.0.1:$TEST_NGINX_SERVER_PORT" \
           async_retry_base=1 async_visibility_timeout=3 async_sweep=2 \
           "billing_log=${TEST_NGINX_SERVROOT:-$ROOT/t/servroot}/logs/access.log"
    then
        started+=("pid:$FNGATED_PID")
    else
        [ -n "${FNGATED_PID:-}" ] && started+=("pid:$FNGATED_PID")
        note "fngated is not ready; see $TSTATE/fngated/fngated.log"
    fi
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
prove --timer -I t/lib "$@" 9>&-
rc=$?
cleanup >>"$LOG" 2>&1
trap - EXIT
note "ran under Test::Nginx::Socket $TEST_NGINX_IMPL"
exit $rc
