#!/bin/sh
# Builds the libFuzzer targets (AddressSanitizer, release optimisation) and runs each one
# for SECONDS seconds, starting from the seed corpus in Fuzz/corpus/<target>/. Fails if any
# target crashes, traps, breaks an invariant or reports a memory error.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]      TARGET: config contract totp mail (default: all)
#   Fuzz/run.sh --build                    build only
#
# Run as root from anywhere: the contract target drives the core, which refuses other users.
# It writes the build to .build-fuzz/ and the rest to .build-fuzz-runs/ (both gitignored):
# the growing corpus (corpus/<target>/), crash reproducers (artifacts/<target>/) and logs.
# Replay an input: .build-fuzz/release/fuzz-<target> FILE  (LOCKWARDEN_FUZZ_VERBOSE=1
# makes the contract target print every log line, message and verdict).
set -u
cd "$(dirname "$0")/.." || exit 2

ALL_TARGETS="config contract totp mail"
SCRATCH=.build-fuzz
# Not inside SwiftPM's scratch directory, which SwiftPM tidies as it sees fit.
RUNS=.build-fuzz-runs
SWIFT=${SWIFT:-swift}
build_only=0
seconds=600
case "${1:-}" in
    --build) build_only=1; shift ;;
    ''|*[!0-9]*) ;;
    *) seconds=$1; shift ;;
esac
targets=${*:-$ALL_TARGETS}

if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz: run as root (the contract target calls the core, which refuses other users)" >&2
    exit 2
fi

mkdir -p "$RUNS/logs"
# SwiftPM's --sanitize flags make it link the executables for libFuzzer's main; the same
# sanitizers passed straight to swiftc make release builds keep the coverage instrumentation.
for target in $targets; do
    case " $ALL_TARGETS " in *" $target "*) ;; *) echo "fuzz: unknown target $target" >&2; exit 2 ;; esac
    log="$RUNS/logs/build-$target.log"
    if ! LOCKWARDEN_FUZZ=1 $SWIFT build -c release --scratch-path "$SCRATCH" \
        --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
        --product "fuzz-$target" > "$log" 2>&1; then
        grep -v 'Cannot export local symbol' "$log" | tail -40
        echo "fuzz: building fuzz-$target failed (log: $log)" >&2
        exit 1
    fi
done
echo "fuzz: built $(echo $targets | sed 's/[^ ]*/fuzz-&/g')"
[ "$build_only" -eq 1 ] && exit 0

# The Swift runtime's own crash reporter would race libFuzzer's and AddressSanitizer's.
SWIFT_BACKTRACE=enable=no
export SWIFT_BACKTRACE
status=0
for target in $targets; do
    binary="$SCRATCH/release/fuzz-$target"
    corpus="$RUNS/corpus/$target"
    artifacts="$RUNS/artifacts/$target"
    log="$RUNS/logs/run-$target.log"
    mkdir -p "$corpus" "$artifacts"
    rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*
    # New inputs go to the first directory; the committed seeds are only read.
    timeout --signal=KILL $((seconds + 120)) "$binary" "$corpus" "Fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" > "$log" 2>&1
    code=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | sed 's/cov: //')
    inputs=$(ls "$corpus" | wc -l)
    crashes=$(ls "$artifacts" | wc -l)
    if [ "$code" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    echo "fuzz-$target: ${executions:-0} executions in ${seconds}s, ${crashes} crashes," \
         "coverage ${coverage:-?}, corpus $inputs inputs (exit $code)"
    if [ "$code" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        status=1
        grep -E 'FUZZ INVARIANT BROKEN|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY:|Fatal error|deadly signal|Test unit written|^    #[0-9]+ .* in \$s' "$log" | head -30
        echo "fuzz-$target: full log in $log; reproduce with $binary $artifacts/<file>"
    fi
done
exit "$status"
