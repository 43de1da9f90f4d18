#!/usr/bin/env bash
# util/test-nginx-parity.sh [UPSTREAM_LIB]: runs t/parity/*.t (plain nginx,
# no fngate parts) under upstream's Test::Nginx::Socket and under fngate's
# fallback, and compares the outcome of every check (test names and
# ok/not ok, sorted: upstream checks header names in hash order), and that
# the plan, FngateTest::count_tests()'s, is what ran.  Exits 0 when all
# agree.  UPSTREAM_LIB defaults to ../shared/test-nginx/lib
# beside the checkout.  Uses TEST_NGINX_SERVER_PORT (1984) and its own
# server root under a temporary directory.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
UP=${1:-$ROOT/../shared/test-nginx/lib}
[ -f "$UP/Test/Nginx/Socket.pm" ] || { echo "no upstream Test::Nginx in $UP" >&2; exit 2; }
UP=$(cd "$UP" && pwd)
cd "$ROOT"

export TEST_NGINX_BINARY=${TEST_NGINX_BINARY:-/usr/sbin/nginx}
export TEST_NGINX_SERVER_PORT=${TEST_NGINX_SERVER_PORT:-1984}
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "outputs in $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT

rc=0
for t in t/parity/*.t; do
    for impl in upstream fallback; do
        lib=$UP
        [ $impl = fallback ] && lib=
        TEST_NGINX_SERVROOT=$tmp/servroot-$impl PERL5LIB=$lib \
            FNGATE_TEST_NGINX=$impl perl -I t/lib "$t" >"$tmp/$impl.tap" 2>"$tmp/$impl.err"
        # "ok N - NAME" -> "ok NAME", the script's own path out, and the
        # log line a no_*_log failure quotes (its time, pid, server root)
        sed -n -e 's/^\(not ok\|ok\) [0-9]* - /\1 /p' "$tmp/$impl.tap" |
            sed -e "s|$ROOT/||" -e 's/ but matches line ".*" (req / but matches line "..." (req /' |
            sort >"$tmp/$impl.sorted"
    done
    for impl in upstream fallback; do
        # the plan is count_tests()'s: it must be what ran
        if grep -q '^# Looks like you planned' "$tmp/$impl.err"; then
            echo "$t: under $impl: $(grep '^# Looks like you planned' "$tmp/$impl.err")"
            rc=1
        fi
    done
    n=$(wc -l <"$tmp/upstream.sorted")
    nf=$(grep -c '^not ok' "$tmp/upstream.sorted")
    if diff -u "$tmp/upstream.sorted" "$tmp/fallback.sorted"; then
        echo "$t: upstream and fallback agree on $n checks ($nf fail on purpose)"
    else
        echo "$t: upstream and fallback DISAGREE (above: - upstream, + fallback)"
        rc=1
    fi
done
exit $rc
