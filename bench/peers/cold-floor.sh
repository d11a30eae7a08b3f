#!/usr/bin/env bash
# What a cold run of the peers workload costs, split: make -j2, a Node script
# that only starts the 100 stage commands (bench/peers/spawn-only.cjs: the
# floor of any Node-based runner), and `runner exec` on an empty cache. All
# three run in turns in one generated workspace (2,000 files, 20 chains of 5
# stages), outputs and runner state removed before each run.
#
#   bash bench/peers/cold-floor.sh [rounds]        (default 15)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
peers=${PEERS_DIR:-$repo/../shared/bench-peers}
rounds=${1:-15}
node "$repo/scripts/build.mjs" > /dev/null

. "$peers/lib/common.sh"
ws=$(mktemp -d /tmp/runner-cold-floor.XXXXXX)
trap 'rm -rf "$ws"' EXIT
node "$peers/gen_workload.mjs" --out "$ws" > /dev/null
BENCH_CHAIN_LEN=5 BENCH_JOBS=2
bench_load_adapter "$peers/adapters/make.sh"
peer_setup "$ws"
bench_load_adapter "$peers/adapters/runner.sh"
RUNNER_BIN="node $repo/bin/runner.cjs" peer_setup "$ws"

declare -A commands=(
  [make]="make -j2 -s"
  [spawn-only]="node $here/spawn-only.cjs 2 5"
  [runner]="node $repo/bin/runner.cjs exec bench --jobs 2"
)
order=(make spawn-only runner)
results=$(mktemp)
cd "$ws"
for ((round = 1; round <= rounds; round++)); do
  for name in "${order[@]}"; do
    rm -rf .runner chains/*/out
    start=$(date +%s%N)
    RUNNER_DAEMON=0 ${commands[$name]} > /dev/null 2>&1
    end=$(date +%s%N)
    [ -f chains/chain_19/out/s5.txt ] || { echo "$name did not finish the workload" >&2; exit 1; }
    echo "$name $(( (end - start) / 1000 ))" >> "$results"
  done
done
median() { grep "^$1 " "$results" | awk '{print $2}' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)] / 1000}'; }
make_ms=$(median make)
echo "Cold run of the peers workload (2,000 files, 20 chains x 5 shell stages, 2 jobs), median of $rounds rounds, $(nproc) CPUs, Node $(node --version)."
echo "Command: \`bash bench/peers/cold-floor.sh $rounds\`"
echo
echo "| | median | / make |"
echo "|---|---:|---:|"
for name in "${order[@]}"; do
  ms=$(median "$name")
  echo "| $name | $(printf '%.0f' "$ms") ms | $(awk -v a="$ms" -v b="$make_ms" 'BEGIN {printf "%.2fx", a / b}') |"
done
rm -f "$results"
