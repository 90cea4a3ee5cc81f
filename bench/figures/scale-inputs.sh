#!/usr/bin/env bash
# Makes the scale figures' workloads (docs/performance.md) from the Helios cut in ../shared:
#   OUT/helios-1m-x10.csv  1,000,000 Helios-synth jobs, arrivals 10x faster (for cluster-10k.json)
#   OUT/helios-10m.csv     10,000,000 Helios-synth jobs (scale-10m.json speeds arrivals up 100x)
# Usage: bench/figures/scale-inputs.sh OUT   (default OUT: build/scale). About 1 GB of CSV.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
orrery=${ORRERY:-$here/build/release/cli/orrery}
out=${1:-$here/build/scale}
fit=$here/../shared/traces/helios/dirlab/helios_data_training.csv
[ -x "$orrery" ] || { echo "no orrery binary at $orrery (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
[ -r "$fit" ] || { echo "cannot read $fit (the Helios cut in ../shared/traces)" >&2; exit 2; }
mkdir -p "$out"
"$orrery" trace synth --fit "$fit" -n 1000000 --seed 1 -o "$out/helios-1m.csv"
"$orrery" trace convert "$out/helios-1m.csv" --arrival-scale 10 -o "$out/helios-1m-x10.csv"
"$orrery" trace synth --fit "$fit" -n 10000000 --seed 1 -o "$out/helios-10m.csv"
cp "$here"/bench/figures/{cluster-10k.json,cluster-100k.json,scale-10m.json,kueue-managed-1m.json} "$out/"
echo "inputs in $out; e.g. orrery simulate $out/scale-10m.json -o /tmp/scale-10m"
