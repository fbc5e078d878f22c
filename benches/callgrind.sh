#!/usr/bin/env bash
# Instruction counts per operation (all threads), native vs async-bridge:
# callgrind runs `op_driver OP N` for a small and a large N; the difference / ΔN is the
# count per iteration, free of start-up. Usage: benches/callgrind.sh [PREFIX...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p async-bridge-benches --bin op_driver
bin=target/release/op_driver
small=${CG_SMALL:-200}
large=${CG_LARGE:-2200}
out=$(mktemp -d)
count() { # op n -> instructions
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" "$1" "$2" >/dev/null 2>"$out/log"
  local f; f=$(ls "$out"/cg.* | head -1)
  local ir; ir=$(grep -m1 '^summary:' "$f" | awk '{print $2}')
  rm -f "$out"/cg.*
  echo "$ir"
}
prefixes=("$@")
[ ${#prefixes[@]} -eq 0 ] && prefixes=(block_on_ready block_on_yield_once spawn_await spawn_blocking timeout_ready sleep_zero)
echo "| operation | instructions / iteration |"
echo "| --- | ---: |"
for p in "${prefixes[@]}"; do
  for op in $("$bin" list | grep "^$p"); do
    a=$(count "$op" "$small"); b=$(count "$op" "$large")
    python3 -c "print(f'| $op | {($b - $a) / ($large - $small):.0f} |')"
  done
done
rm -rf "$out"
