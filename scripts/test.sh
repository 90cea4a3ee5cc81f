#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, checks formatting, builds
# everything with warnings as errors and runs every test, then builds the core under
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the core tests again.
# Tests that need ../shared/traces skip with a message when it is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=${ORRERY_JOBS:-$(nproc)}

"$here/scripts/install-deps.sh"

echo "== format check (clang-format)"
files=$(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -path ./build -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -print)
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files

echo "== build (preset ci: RelWithDebInfo, -Werror)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
echo "== tests"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
ctest --preset ci -j "$jobs" --timeout 600

echo "== core tests under ASan+UBSan (preset asan-ubsan)"
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan-ubsan -j "$jobs" --timeout 900
echo "== all tests passed"
