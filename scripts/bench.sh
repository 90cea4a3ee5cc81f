#!/usr/bin/env bash
# Builds the Release preset and runs the Google Benchmark suites, writing every figure to
# bench-results/<suite>.json (Google Benchmark's JSON) and printing them. Pass a filter regex
# as $1 to run a subset. Figures and the machine they came from go in docs/performance.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
mkdir -p bench-results
filter=${1:-.}
for b in build/release/bench/orrery_bench_*; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_filter="$filter" --benchmark_out="bench-results/$name.json" --benchmark_out_format=json
done
echo "figures in bench-results/"
