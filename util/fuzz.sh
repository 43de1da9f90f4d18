#!/usr/bin/env bash
# util/fuzz.sh DIR NAME...: runs the libFuzzer harnesses DIR/fuzz_NAME one
# after the other (one process each, no -jobs), each for FUZZ_SECONDS
# (default 15), and fails when any of them found a crash, a leak, a
# timeout (FUZZ_TIMEOUT s for one input, default 10) or ran out of memory
# (FUZZ_RSS_MB, default 2048).  FUZZ_ONLY="a b" (or "a,b") runs only
# those; FUZZ_FLAGS are passed to every harness.  `make fuzz` calls it.
#
# Each harness reads its seeds from fuzz/corpus/NAME/ (never written) and
# keeps what it finds in DIR/corpus/NAME/, so a later run starts from
# there; its output is DIR/logs/NAME.log; a failing input is saved as
# DIR/artifacts/NAME/{crash,leak,timeout,oom}-SHA1 (reproduce it with
# `DIR/fuzz_NAME FILE`).  Prints one line per harness: seconds, executions,
# coverage (cov: edges, ft: features, libFuzzer's final counters) and the
# corpus size.
set -uo pipefail

dir=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-15}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
only=${FUZZ_ONLY:-}
only=${only//,/ }

names=("$@")
if [ -n "$only" ]; then
    names=()
    for n in $only; do
        if [ ! -x "$dir/fuzz_$n" ]; then
            echo "fuzz: no harness \"$n\" (have: $*)" >&2
            exit 2
        fi
        names+=("$n")
    done
fi

mkdir -p "$dir/logs"
failed=()
printf '%-16s %7s %11s %8s %6s %7s %6s  %s\n' harness seconds execs \
    'exec/s' cov ft corp result
for n in "${names[@]}"; do
    log=$dir/logs/$n.log
    mkdir -p "$dir/corpus/$n" "$dir/artifacts/$n" "$root/fuzz/corpus/$n"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$dir/fuzz_$n" -max_total_time="$seconds" -timeout="$timeout" \
        -rss_limit_mb="$rss" -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/$n/" ${FUZZ_FLAGS:-} \
        "$dir/corpus/$n" "$root/fuzz/corpus/$n" > "$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | grep 'cov:' | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<< "$last")
    result=ok
    if [ "$rc" -ne 0 ]; then
        result="FAILED (exit $rc): $(ls -t "$dir/artifacts/$n" | head -1)"
        failed+=("$n")
    fi
    printf '%-16s %7s %11s %8s %6s %7s %6s  %s\n' "$n" "$took" \
        "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
        "$result"
done

if [ ${#failed[@]} -ne 0 ]; then
    for n in "${failed[@]}"; do
        echo "--- fuzz_$n: $dir/logs/$n.log"
        grep -E 'ERROR|SUMMARY|invariant|Test unit written' \
            "$dir/logs/$n.log" | head -20
    done
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
