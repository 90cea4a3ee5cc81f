#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, checks formatting, builds
# everything once with clang under AddressSanitizer + UndefinedBehaviorSanitizer (assertions on,
# warnings as errors, the libFuzzer targets included: preset `ci`; unoptimized, -O0: on two
# cores its compile jobs take 1,160 s against 2,600 s at -O1, 560 s of wall time against
# ~1,300, for ~150 s more test time, 250 s against 98 s; with precompiled headers and lld, the
# build's jobs sum to 1,203 s against 1,830 s without, the two built side by side, one job each)
# and runs the whole test suite on it,
# then builds the thread-safety tests (the sweep runner, the GUI's run controller) under
# ThreadSanitizer (preset `tsan`, also -O0) and runs them. Tests that need ../shared/traces skip
# with a message when it is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=${ORRERY_JOBS:-$(nproc)}
start=$(date +%s)
stamp() { echo "   ($(($(date +%s) - start)) s so far)"; }

"$here/scripts/install-deps.sh"

echo "== format check (clang-format)"
files=$(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -path ./build -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -print)
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files

# Sanitizer settings for everything below, the test discovery at build time included: any report
# fails (abort), leaks are reported except those of system libraries (tests/sanitizers/).
sup=$here/tests/sanitizers
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$sup/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$sup/tsan.supp
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

echo "== build (preset ci: clang, ASan+UBSan, assertions, fuzz targets, -Werror)"
# build/ci from before preset ci moved to clang: start it afresh.
if [ -f build/ci/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build/ci/CMakeCache.txt; then
  rm -rf build/ci
fi
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
stamp
# The TSan build runs niced beside the suite, but not beside the live-Slurm tests: they time a
# real cluster, and a calibration profile's latencies carry over only to a machine as busy as
# the one it was fitted on (docs/calibration.md). One CI run fitted the first slice while the
# TSan build compiled and checked the profile on a second slice after it had finished.
cmake --preset tsan >/dev/null
tsan_log=$here/build/tsan-build.log
mkdir -p "$here/build"
nice -n 19 cmake --build --preset tsan -j "$jobs" >"$tsan_log" 2>&1 &
tsan_build=$!
echo "== tests: the suite under ASan+UBSan, all but the live-Slurm tests (the TSan build runs beside it, niced)"
suite_rc=0
ctest --preset ci -j "$jobs" --timeout 900 -LE live-slurm || suite_rc=$?
tsan_rc=0
wait "$tsan_build" || tsan_rc=$?
stamp
echo "== tests: the live-Slurm tests, alone on the machine"
live_rc=0
ctest --preset ci --timeout 900 -L live-slurm || live_rc=$?
[ "$suite_rc" -eq 0 ] || { echo "test suite failed (exit $suite_rc)" >&2; exit "$suite_rc"; }
[ "$live_rc" -eq 0 ] || { echo "live-Slurm tests failed (exit $live_rc)" >&2; exit "$live_rc"; }
stamp

echo "== thread-safety tests under ThreadSanitizer (preset tsan)"
if [ "$tsan_rc" -ne 0 ]; then
  cat "$tsan_log" >&2
  echo "TSan build failed (exit $tsan_rc)" >&2
  exit "$tsan_rc"
fi
# TSan needs a memory layout that high ASLR entropy can break: run without ASLR where allowed.
norand=()
if setarch "$(uname -m)" -R true 2>/dev/null; then norand=(setarch "$(uname -m)" -R); fi
"${norand[@]}" ctest --preset tsan -j "$jobs" --timeout 900
stamp
echo "== all tests passed"
