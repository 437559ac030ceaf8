#!/bin/bash
# Queues a Spielraum region plan on Slurm: the job array (one task per municipality), then the
# merge, which waits for every task (afterok) and is cancelled if one fails.
#
#   deploy/slurm/submit.sh PLAN SITE [extra sbatch options for both, e.g. --partition=batch]
#
# Environment: SPIELRAUM (the binary, default `spielraum` on PATH), MAX_PARALLEL (tasks at
# once, default: no limit), WAIT=1 (return only when the merge has finished; exit status
# of the merge). Prints the two job ids. Logs go to PLAN/logs/.
set -euo pipefail
plan="${1:?usage: submit.sh PLAN SITE [sbatch options]}"
site="${2:?usage: submit.sh PLAN SITE [sbatch options]}"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$plan/plan.json" ] || { echo "submit.sh: $plan/plan.json missing: not a plan folder" >&2; exit 1; }
n=$(find "$plan/jobs" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$n" -gt 0 ] || { echo "submit.sh: $plan has no jobs" >&2; exit 1; }
plan="$(cd "$plan" && pwd)"
mkdir -p "$plan/logs"
array="0-$((n - 1))${MAX_PARALLEL:+%$MAX_PARALLEL}"
run_id=$(sbatch --parsable --array="$array" --output="$plan/logs/run-%A_%a.out" "$@" \
  "$here/region.sbatch" "$plan")
run_id="${run_id%%;*}"
echo "job array $run_id: $n tasks"
wait_flag=()
[ "${WAIT:-0}" = 1 ] && wait_flag=(--wait)
merge_id=$(sbatch --parsable "${wait_flag[@]}" --dependency="afterok:$run_id" --kill-on-invalid-dep=yes \
  --output="$plan/logs/merge-%j.out" "$@" "$here/region-merge.sbatch" "$plan" "$site")
echo "merge job ${merge_id%%;*}"
