#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan+UBSan) and runs each one for a bounded
# time on its seed corpus (tests/fuzz/corpus/<target>/); fails if any target finds a crash, a
# sanitizer report, an uncaught exception, a hang or a huge allocation (docs/fuzzing.md).
#
#   scripts/fuzz.sh                 # 60 s per target, every target
#   scripts/fuzz.sh 300 native pai  # 300 s for two targets
#
# Environment:
#   ORRERY_JOBS          build parallelism (default: nproc)
#   ORRERY_FUZZ_PARALLEL targets fuzzed at once (default 1)
#   ORRERY_FUZZ_NICE     nice level of builds and fuzzers (default 0)
#   ORRERY_FUZZ_STATS    file to append one "target seconds executions status" line per target to
#   ORRERY_FUZZ_PRESET   the build to use: `fuzz` (default: the parsers and the targets only) or
#                        `ci` (everything; CI fuzzes from the build its test suite ran on)
#
# New inputs that reach new coverage go to build/fuzz/corpus-work/<target>/ (kept between runs,
# never into the repository); a finding is written to build/fuzz/findings/<target>-crash-...
# (or -timeout-, -oom-, -leak-), which reproduces with: build/fuzz/tests/fuzz/fuzz_<target> FILE.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
seconds=${1:-60}
shift || true
jobs=${ORRERY_JOBS:-$(nproc)}
parallel=${ORRERY_FUZZ_PARALLEL:-1}
nice_level=${ORRERY_FUZZ_NICE:-0}
preset=${ORRERY_FUZZ_PRESET:-fuzz}
build=$here/build/$preset
bin=$build/tests/fuzz
corpus=$here/tests/fuzz/corpus

echo "== fuzz: build (preset $preset: clang, libFuzzer, ASan+UBSan)"
start=$(date +%s)
cmake --preset "$preset" >/dev/null
nice -n "$nice_level" cmake --build --preset "$preset" -j "$jobs" --target orrery_fuzzers
echo "fuzz build: $(($(date +%s) - start)) s"
if [ -x "$bin/orrery_fuzz_regression_tests" ]; then
  echo "== fuzz: regression tests of earlier findings (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin/orrery_fuzz_regression_tests" --gtest_brief=1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$corpus"/*/; do targets+=("$(basename "$d")"); done
fi
for t in "${targets[@]}"; do
  if [ ! -x "$bin/fuzz_$t" ]; then
    echo "fuzz: no target fuzz_$t (targets: tests/fuzz/CMakeLists.txt)" >&2
    exit 2
  fi
done

scratch=$build/tmp
mkdir -p "$build/findings" "$build/logs" "$scratch"

# Runs one target; prints "target seconds executions status".
run_one() {
  local t=$1 work=$build/corpus-work/$1 log=$build/logs/$1.log rc=0
  mkdir -p "$work"
  # -timeout: one input may take at most 10 s (a hang); -rss_limit_mb / -malloc_limit_mb: a
  # parser must not need 1 GiB for inputs of a few KB. A small ASan quarantine: the parsers allocate
  # 64 KiB buffers per input, and a large quarantine makes each one fresh pages (3x slower).
  TMPDIR=$scratch ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    nice -n "$nice_level" "$bin/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -artifact_prefix="$build/findings/$t-" "$work" "$corpus/$t" >"$log" 2>&1 || rc=$?
  local execs secs status=ok
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  [ "$rc" -eq 0 ] || status="FINDING(rc=$rc)"
  echo "$t ${secs:-?} ${execs:-?} $status"
}

results=$build/logs/results.txt
: >"$results"
echo "== fuzz: ${#targets[@]} targets, $seconds s each, $parallel at a time"
running=0
for t in "${targets[@]}"; do
  run_one "$t" >>"$results" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
printf '%-22s %8s %14s  %s\n' target seconds executions status
while read -r t secs execs status; do
  printf '%-22s %8s %14s  %s\n' "$t" "$secs" "$execs" "$status"
  if [ -n "${ORRERY_FUZZ_STATS:-}" ]; then echo "$t $secs $execs $status" >>"$ORRERY_FUZZ_STATS"; fi
  if [ "$status" != ok ]; then
    failed=1
    echo "---- $t: the end of $build/logs/$t.log" >&2
    grep -v '^#[0-9]' "$build/logs/$t.log" | tail -40 >&2
  fi
done < <(sort "$results")
rm -rf "$scratch"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: findings (reproducers in $build/findings/)" >&2
  exit 1
fi
echo "== fuzz: no findings ($(($(date +%s) - start)) s in all)"
