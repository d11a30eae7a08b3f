#!/usr/bin/env bash
# The peers benchmark (../shared/bench-peers) with this runner in its slot,
# plus the bare `node -e 0` start measured the same way (hyperfine, through
# /bin/sh and GNU time) right after, so the no-op can be compared with it.
#
#   bash bench/peers.sh [run.sh options]        e.g. --runs 10 --peers runner,make,snakemake,turbo,wireit
#
# Prints the summary; results in /tmp/bench-peers-results/<stamp>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
peers=${PEERS_DIR:-$repo/../shared/bench-peers}
node "$repo/scripts/build.mjs"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=${RESULTS_DIR:-/tmp/bench-peers-results/${stamp}_runner}
export RUNNER_BIN="node $repo/bin/runner.cjs"
bash "$peers/run.sh" --results-dir "$results" "$@"

# Bare Node start through the same wrapper the harness uses for every peer.
cmd=$(mktemp /tmp/bench-node-start.XXXXXX.sh)
printf '#!/bin/sh\nexec node -e 0\n' > "$cmd"
chmod +x "$cmd"
hyperfine -N --warmup 3 --runs 30 --export-json "$results/node-start.hyperfine.json" \
  "/usr/bin/time -f %M -o /dev/null $cmd" > /dev/null
rm -f "$cmd"
node -e '
  const r = require(process.argv[1]).results[0];
  const t = [...r.times].sort((a, b) => a - b);
  const median = t[Math.floor(t.length / 2)] * 1000;
  console.log(`bare node start (node -e 0, same wrapper): median ${median.toFixed(1)} ms, mean ${(r.mean * 1000).toFixed(1)} ms over ${t.length} runs`);
' "$results/node-start.hyperfine.json" | tee "$results/node-start.txt"
cat "$results/summary.md"
echo "results: $results"
