#!/usr/bin/env bash
# Instruction counts per operation (all threads), native vs async-bridge:
# callgrind runs `op_driver OP N` for a small and a large N; the difference / ΔN is the
# count per iteration, free of start-up (`spawn_batch_10k`: N = 1 and 3, per spawn).
# Usage: benches/callgrind.sh [PREFIX...]; CG_FEATURES=tokio-context for the benches crate's
# features (the `tokio_context_*` operations); ONE=smol or ONE=tokio for the spawn rows in a
# build of async-bridge with that one backend (benches/one_backend).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${ONE:-}" ]; then
  # ONE=smol or ONE=tokio: the spawn rows in a build of async-bridge with that backend only.
  cargo build --quiet --release -p async-bridge-one-backend --features "$ONE"
  bin=$PWD/target/release/async-bridge-one-backend
else
  cargo build --quiet --release -p async-bridge-benches --bin op_driver ${CG_FEATURES:+--features "$CG_FEATURES"}
  bin=$PWD/target/release/op_driver
fi
# The counts of some operations move with the environment (the working directory among
# it: the allocator's behaviour follows the environment's size); run from an empty one.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
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
[ ${#prefixes[@]} -eq 0 ] && prefixes=(block_on_ready block_on_yield_once spawn_await spawn_batch_10k spawn_blocking timeout_ready sleep_zero)
echo "| operation | instructions / iteration |"
echo "| --- | ---: |"
for p in "${prefixes[@]}"; do
  for op in $("$bin" list | grep "^$p"); do
    case $op in
      spawn_batch_10k/*) a=$(count "$op" 1); b=$(count "$op" 3); per=20000 ;;
      *) a=$(count "$op" "$small"); b=$(count "$op" "$large"); per=$((large - small)) ;;
    esac
    python3 -c "print(f'| $op | {($b - $a) / $per:.0f} |')"
  done
done
rm -rf "$out"
