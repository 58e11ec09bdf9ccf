#!/usr/bin/env bash
# make fuzz: runs each libFuzzer target (built by `make fuzz-build` into
# build/fuzz/) for FUZZ_SECONDS, FUZZ_JOBS at a time, under nice.
#
#   scripts/fuzz.sh fuzz_params fuzz_stats ...
#   FUZZ_SECONDS=60   per target
#   FUZZ_JOBS=2       targets at once (each is one process on one core)
#
# The committed seeds (t/fuzz/corpus/TARGET) are read, never written: what a
# run finds goes to build/fuzz/corpus/TARGET; a crash to
# build/fuzz/crashes/TARGET-*, which fails the run. Once understood and
# fixed, a crash's input is committed to t/fuzz/corpus/TARGET (make
# fuzz-replay then runs it in every make check) and gets a unit test.
# Logs: build/fuzz/TARGET.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
[ $# -gt 0 ] || { echo "usage: $0 TARGET..." >&2; exit 2; }
mkdir -p build/fuzz/crashes

run_one() {
    local t=$1 dict=()
    mkdir -p "build/fuzz/corpus/$t"
    [ -f "t/fuzz/$t.dict" ] && dict=("-dict=t/fuzz/$t.dict")
    # detect_leaks: every input's pool is destroyed, so a leak is ours.
    # -timeout=30: niced on a loaded machine, an input that takes 0.2 s of
    # CPU was once stopped at 10 s of wall time (in ASan's quarantine).
    if ASAN_OPTIONS=detect_leaks=1 nice -n 19 "build/fuzz/$t" \
            -max_total_time="$seconds" -max_len=8192 -timeout=30 \
            -print_final_stats=1 "${dict[@]}" \
            -artifact_prefix="build/fuzz/crashes/$t-" \
            "build/fuzz/corpus/$t" "t/fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
        echo "fuzz: $t: $(grep -E '^stat::number_of_executed_units' "build/fuzz/$t.log" \
            | awk '{print $2}') runs in ${seconds} s, no crash"
    else
        echo "fuzz: $t: FAILED, see build/fuzz/$t.log:"
        grep -E 'ERROR|property failed|runtime error|SUMMARY|Test unit written' \
            "build/fuzz/$t.log" | head -n 10
        return 1
    fi
}
export -f run_one
export seconds

printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}
