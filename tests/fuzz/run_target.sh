#!/bin/sh
# Runs one libFuzzer target for a while and says PASS or FAIL in one line.
#
#   tests/fuzz/run_target.sh BINARY NAME SECONDS
#
# The target works on a scratch corpus under build/fuzz/work/NAME/, seeded from
# tests/fuzz/corpus/NAME/ (copied in, never written back: the repository stays as it
# is) and kept between runs so that coverage accumulates. tests/fuzz/NAME.dict, if
# present, is the target's dictionary. A crash, leak, timeout or out-of-memory
# leaves its reproducer in build/fuzz/work/NAME/artifacts/; the FAIL line names it
# and the command that replays it.
set -u
bin=$1 name=$2 secs=$3
seeds=tests/fuzz/corpus/$name
work=build/fuzz/work/$name
corpus=$work/corpus
artifacts=$work/artifacts
log=$work/log

mkdir -p "$corpus"
rm -rf "$artifacts"
mkdir -p "$artifacts"
if [ -d "$seeds" ]; then
    for f in "$seeds"/*; do
        [ -f "$f" ] && cp -n "$f" "$corpus/"
    done
fi
dict=
[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"

# Reports whatever the sanitizers find as a failure with exit status != 0.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" $dict "$corpus" >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
    echo "PASS fuzz/$name: $runs runs in ${secs}s, corpus $(ls "$corpus" | wc -l) inputs"
    exit 0
fi
repro=$(ls -t "$artifacts" | head -n 1)
if [ -n "$repro" ]; then
    echo "FAIL fuzz/$name: exit $rc; reproducer $artifacts/$repro (replay: $bin $artifacts/$repro; log: $log)"
else
    echo "FAIL fuzz/$name: exit $rc, no reproducer written (log: $log)"
fi
grep -m 1 -E 'ERROR: |runtime error|invariant broken|assertion' "$log" | sed 's/^/    /'
exit 1
