#!/usr/bin/env bash
# Quick start: installs what is missing, builds Orrery (Release), replays the built-in example
# (examples/scenario.json: 300 jobs on a 64-GPU cluster under five policies) and writes a report.
# Prints where the results are.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
"$here/scripts/install-deps.sh"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target orrery
out=${1:-"$here/out/example"}
"$here/build/release/cli/orrery" simulate examples/scenario.json -o "$out"
if "$here/build/release/cli/orrery" report --help >/dev/null 2>&1; then
  QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$here/build/release/cli/orrery" report "$out" -o "$out/report.html" --pdf "$out/report.pdf"
  echo
  echo "Report: $out/report.html (and report.pdf); open it in a browser."
fi
