#!/usr/bin/env bash
# util/valgrind-tests.sh: `make valgrind` (docs/testing.md, "Under valgrind").
#
# Runs t/ files under the upstream Test::Nginx in its valgrind mode
# (TEST_NGINX_USE_VALGRIND=1: every block's nginx, with the module, runs
# under `valgrind -q --tool=memcheck --leak-check=full
# --show-possibly-lost=no --gen-suppressions=all`, with
# --suppressions=valgrind.suppress, which util/run-tests.sh's directory,
# the top of the checkout, holds).  Each file goes through
# util/run-tests.sh (its own Redis and fngated; the caller's
# TEST_NGINX_SERVER_PORT, TEST_NGINX_REDIS_PORT, FNGATE_TEST_PREFIX apply);
# prove's output goes to $BUILD/valgrind/NAME.out and the tests' stderr,
# where valgrind reports, to $BUILD/valgrind/NAME.log.
#
# Fails when a file's tests fail, when valgrind reports any error (invalid
# read or write, use of uninitialised memory, bad free, overlapping copy,
# bad syscall argument, ...) or any definite leak that valgrind.suppress
# does not match, or when the log shows that nginx did not run under
# valgrind.  Prints a line per file and the records it counted.
#
#   util/valgrind-tests.sh [t/FILE.t ...]     default: the files below
#   FNGATE_TEST_NGINX_LIB=DIR                 the upstream Test::Nginx's lib
#                                             (default ../shared/test-nginx/lib)
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
cd "$ROOT"

# signing, lookups, APIs, errors
DEFAULT_FILES=(t/sigv4.t t/permissions.t t/cross_account_aliases.t t/http_apis.t
               t/bad_input.t t/sanity.t)

TNLIB=${FNGATE_TEST_NGINX_LIB:-$ROOT/../shared/test-nginx/lib}
OUT=$BUILD/valgrind

note() { echo "valgrind-tests: $*" >&2; }

if ! command -v valgrind >/dev/null; then
    note "valgrind is not installed (util/deps.sh installs it)"
    exit 1
fi
if [ ! -f "$TNLIB/Test/Nginx/Socket.pm" ] || [ ! -f "$TNLIB/Test/Nginx/Util.pm" ]; then
    # fngate's fallback Test::Nginx has no valgrind mode
    note "no upstream Test::Nginx in $TNLIB; set FNGATE_TEST_NGINX_LIB"
    exit 1
fi
TNLIB=$(cd "$TNLIB" && pwd)
if [ ! -f valgrind.suppress ]; then
    note "no valgrind.suppress at the top of the checkout"
    exit 1
fi

if [ $# -eq 0 ]; then
    set -- "${DEFAULT_FILES[@]}"
fi
mkdir -p "$OUT"

# count_records LOG: prints "ERRORS LEAKS OTHER" for the valgrind records in
# LOG, and the records' first lines to stderr.  A record starts with a line
# "==PID== TEXT" whose TEXT does not begin with a blank (its stack lines
# are "==PID==    at/by ..."); with -q valgrind prints nothing else but
# its warnings ("Warning: ...", counted apart, not a failure).
count_records() {
    perl -ne '
        next unless /^==\d+== (\S.*)$/;
        my $t = $1;
        if ($t =~ /^Warning:/) { $w++; print STDERR "  warning: $t\n"; next }
        if ($t =~ /definitely lost in loss record/) { $l++ }
        elsif ($t =~ /(indirectly|possibly) lost in loss record|still reachable in loss record/) { next }
        else { $e++ }
        print STDERR "  $t\n";
        END { printf "%d %d %d\n", $e // 0, $l // 0, $w // 0 }
    ' "$1"
}

export PERL5LIB=$TNLIB${PERL5LIB:+:$PERL5LIB}
export TEST_NGINX_USE_VALGRIND=1

rc=0
total_start=$SECONDS
summary=()
for f in "$@"; do
    name=$(basename "$f" .t)
    log=$OUT/$name.log
    out=$OUT/$name.out
    start=$SECONDS
    util/run-tests.sh "$f" >"$out" 2>"$log"
    trc=$?
    secs=$((SECONDS - start))

    # prove's "Files=1, Tests=N" line; the result of the file's tests
    tests=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$out" | tail -1)
    result=$(sed -n 's/^Result: //p' "$out" | tail -1)
    # Test::Nginx's valgrind mode warns each block's name as it starts
    # that block's nginx: no such line, no nginx under valgrind.
    blocks_started=$(grep -o "^$f TEST [0-9]*: " "$log" | sort -u | wc -l)

    note "$f: valgrind records"
    read -r errors leaks warnings < <(count_records "$log")

    status=ok
    [ "$trc" -eq 0 ] && [ "$result" = PASS ] || status=FAIL
    [ "$blocks_started" -gt 0 ] || { status=FAIL; note "$f: no block ran under valgrind"; }
    [ "$errors" -eq 0 ] && [ "$leaks" -eq 0 ] || status=FAIL
    [ "$status" = ok ] || rc=1

    line=$(printf '%-18s tests %4s %-4s  blocks %3s  errors %3s  definite leaks %3s  warnings %3s  %4ss  %s' \
           "$f" "${tests:-?}" "${result:-?}" "$blocks_started" "$errors" \
           "$leaks" "$warnings" "$secs" "$status")
    summary+=("$line")
    note "$line"
done

echo
echo "valgrind (memcheck) under upstream Test::Nginx ($TNLIB);"
echo "logs in $OUT (NAME.log: valgrind's reports; NAME.out: prove)"
printf '%s\n' "${summary[@]}"
echo "total $((SECONDS - total_start))s: $([ $rc -eq 0 ] && echo PASS || echo FAIL)"
exit $rc
