#!/usr/bin/env bash
# Cross-build determinism: runs every registered policy on a trace with two orrery binaries
# (e.g. the gcc Release build and the clang ASan+UBSan build of preset `ci`) and compares each
# run's schedule fingerprint (manifest.json) and jobs.csv byte for byte.
#
#   scripts/determinism.sh build/release/cli/orrery build/ci/cli/orrery [CLUSTER TRACE]
#
# Default workload: examples/cluster.json with examples/small-trace.csv. Exit 1 on any difference.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
a=$1 b=$2
cluster=${3:-$here/examples/cluster.json}
trace=${4:-$here/examples/small-trace.csv}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
policies=$("$a" policies | awk '/^Scheduling policies/{on=1; next} /^Placements/{on=0} on && NF {print $1}')
diff=0
for p in $policies; do
  rcs=""
  for side in a b; do
    bin=$a; [ "$side" = b ] && bin=$b
    rc=0
    "$bin" simulate --cluster "$cluster" --trace "$trace" --policy "$p" --threads 1 \
      -o "$out/$side-$p" >"$out/$side-$p.log" 2>&1 || rc=$?
    rcs="$rcs $rc"
  done
  if [ "$rcs" != " 0 0" ]; then
    echo "$p: exit codes$rcs ($(tail -1 "$out/a-$p.log"))"
    [ "$rcs" = " 2 2" ] || diff=1  # both refusing the workload the same way is not a difference
    continue
  fi
  fa=$(sed -n 's/.*"fingerprint": *"\([0-9a-f]*\)".*/\1/p' "$out/a-$p/manifest.json")
  fb=$(sed -n 's/.*"fingerprint": *"\([0-9a-f]*\)".*/\1/p' "$out/b-$p/manifest.json")
  if [ "$fa" = "$fb" ] && cmp -s "$out/a-$p/jobs.csv" "$out/b-$p/jobs.csv"; then
    echo "$p $fa identical"
  else
    echo "$p $fa $fb DIFFERENT"
    diff=1
  fi
done
exit $diff
