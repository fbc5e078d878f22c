#!/usr/bin/env bash
# Everything BENCHMARKS.md reports, in one command:
#   bash benches/run.sh            # 3 criterion runs, the allocation count, callgrind
#   RUNS=5 bash benches/run.sh     # more runs
#   bash benches/run.sh spawn_await/smol   # only the benchmarks whose name starts so
# Writes target/bench-runs/: run-N.json (each run's medians), alloc.md, callgrind.md and
# tables.md (the tables: median over runs, ratios taken within each run).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
FILTER=${1:-}
out=target/bench-runs
mkdir -p "$out"
rm -f "$out"/run-*.json
cargo bench -p async-bridge-benches --no-run
for i in $(seq 1 "$RUNS"); do
  echo "==> criterion run $i of $RUNS"
  cargo bench -p async-bridge-benches --bench bridge -- ${FILTER:+"$FILTER"} 2>&1 | grep -E '^[a-z_]+/|time:' || true
  python3 benches/report.py collect target "$out/run-$i.json" "$FILTER"
done
echo "==> allocation count"
cargo run --quiet --release -p async-bridge-benches --bin alloc_count -- "$FILTER" | tee "$out/alloc.md"
if command -v valgrind >/dev/null; then
  echo "==> instruction counts (callgrind)"
  bash benches/callgrind.sh ${FILTER:+"$FILTER"} | tee "$out/callgrind.md"
fi
python3 benches/report.py table "$out"/run-*.json | tee "$out/tables.md"
