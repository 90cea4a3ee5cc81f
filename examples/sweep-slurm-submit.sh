#!/bin/bash
# Runs an orrery sweep as a Slurm job array (one shard per task), then merges the shards in a
# job that starts when every task has succeeded.
#
#   examples/sweep-slurm-submit.sh SPEC.json RESULTS_DIR [SHARDS]      (default 16 shards)
#
# Environment: ORRERY (the orrery binary, default: orrery on PATH), SBATCH_ARGS (extra sbatch
# arguments for both jobs, e.g. "--partition=cpu --time=4:00:00"), CPUS (per task, default 1).
# Prints the array job id and the merge job id; the result is RESULTS_DIR/results.sqlite.
set -euo pipefail

spec=$(realpath "${1:?usage: sweep-slurm-submit.sh SPEC.json RESULTS_DIR [SHARDS]}")
results=$(realpath -m "${2:?usage: sweep-slurm-submit.sh SPEC.json RESULTS_DIR [SHARDS]}")
shards=${3:-16}
orrery=${ORRERY:-orrery}
cpus=${CPUS:-1}
here=$(dirname "$(realpath "$0")")
mkdir -p "$results"

# Check the spec (and every run in it) before queueing anything.
"$orrery" sweep "$spec" --dry-run > /dev/null

# shellcheck disable=SC2086
array=$(ORRERY="$orrery" SHARDS="$shards" sbatch --parsable ${SBATCH_ARGS:-} \
  --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
  --chdir="$results" --output="$results/sweep-%A_%a.out" \
  --export=ALL,ORRERY="$orrery",SHARDS="$shards" \
  "$here/sweep-slurm.sbatch" "$spec" "$results")
array=${array%%;*}

shard_files=()
for ((i = 0; i < shards; i++)); do shard_files+=("$results/shard-$i.sqlite"); done
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --job-name=orrery-merge \
  --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --chdir="$results" --output="$results/merge-%j.out" \
  --wrap="$(printf '%q ' "$orrery" sweep merge "$results/results.sqlite" "${shard_files[@]}")")
merge=${merge%%;*}

echo "array job $array ($shards shards), merge job $merge"
echo "result: $results/results.sqlite (when job $merge has finished)"
