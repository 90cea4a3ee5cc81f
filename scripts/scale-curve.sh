#!/usr/bin/env bash
# The scale curve of docs/performance.md: whole `orrery simulate` runs (import, simulation, results
# written) of growing prefixes of one workload on one cluster, for each policy given, timed with
# GNU time. Writes CSV rows "policy,jobs,wall_s,user_s,sys_s,max_rss_mib,events" to stdout.
#
#   scripts/scale-curve.sh WORKLOAD.csv CLUSTER.json "10000 100000 1000000" fifo-skip slurm ...
#
# WORKLOAD is a native CSV (e.g. from `orrery trace synth`); a prefix of N rows keeps its arrival
# rate, so every size runs at the same offered load and only the span grows. Runs with a
# single thread (--threads 1). ORRERY overrides the binary (default: the Release build).
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
orrery=${ORRERY:-$here/build/release/cli/orrery}
workload=$1 cluster=$2 sizes=$3
shift 3
[ -x "$orrery" ] || { echo "no orrery binary at $orrery (build the release preset)" >&2; exit 2; }
[ -r "$workload" ] || { echo "cannot read workload $workload" >&2; exit 2; }
[ -r "$cluster" ] || { echo "cannot read cluster $cluster" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "policy,jobs,wall_s,user_s,sys_s,max_rss_mib,events"
for n in $sizes; do
  head -n $((n + 1)) "$workload" > "$work/trace.csv"
  for policy in "$@"; do
    rm -rf "$work/out"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
      "$orrery" simulate --cluster "$cluster" --trace "$work/trace.csv" --policy "$policy" \
      --threads 1 -q -o "$work/out" > /dev/null
    read -r wall user sys rss < "$work/time"
    events=$(grep -m1 '"events"' "$work/out/manifest.json" | tr -dc '0-9')
    echo "$policy,$n,$wall,$user,$sys,$((rss / 1024)),$events"
  done
done
