#!/usr/bin/env python3
"""Turns criterion's results into the tables of BENCHMARKS.md.

  report.py collect TARGET_DIR OUT.json [PREFIX]
                                          the median of every benchmark of the last run
                                          (whose name starts with PREFIX: criterion keeps
                                          the results of earlier runs of the others)
  report.py table RUN.json...             per operation: the median over runs of each
                                          variant's median, and the median over runs of
                                          each ratio (every ratio taken within one run)
"""

import json
import os
import statistics
import sys

# The native call each row is compared with, per group/backend: the fastest native way.
# Other native variants of the group get a column of their own.
PRIMARY = {
    "block_on_ready/tokio": "native_handle",
    "block_on_yield_once/tokio": "native_handle",
    "block_on_woken_by_other_thread/tokio": "native_handle",
    "block_on_ready/smol": "native_futures_lite",
    "block_on_yield_once/smol": "native_futures_lite",
    "block_on_woken_by_other_thread/smol": "native_futures_lite",
}


def collect(target, out, prefix=""):
    root = os.path.join(target, "criterion")
    medians = {}
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            full_id = json.load(f)["full_id"]
        if not full_id.startswith(prefix):
            continue
        with open(os.path.join(dirpath, "estimates.json")) as f:
            medians[full_id] = json.load(f)["median"]["point_estimate"]
    with open(out, "w") as f:
        json.dump(medians, f, indent=1, sort_keys=True)
    print(f"{len(medians)} benchmarks -> {out}")


def fmt_time(ns):
    # The unit follows the magnitude, so that a negative difference reads like a positive one.
    if abs(ns) >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    if abs(ns) >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def table(paths):
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(json.load(f))
    ids = sorted(set().union(*runs))
    groups = {}
    for full_id in ids:
        group, backend, variant = full_id.split("/")
        groups.setdefault(group, {}).setdefault(backend, []).append(variant)
    print(f"_{len(runs)} runs; each figure is the median over runs (each run's figure is "
          f"criterion's median); each ratio is taken within one run, then the median of the "
          f"ratios is shown._\n")
    order = ["native", "native_handle", "native_runtime", "native_futures_lite"]
    for group, backends in groups.items():
        print(f"### {group}\n")
        print("| backend | variant | median | ratio to the fastest native | Δ to it | other natives: ratio |")
        print("| --- | --- | ---: | ---: | ---: | --- |")
        for backend, variants in backends.items():
            key = f"{group}/{backend}"
            natives = [v for v in variants if v.startswith("native")]
            natives.sort(key=lambda v: order.index(v) if v in order else 99)
            primary = PRIMARY.get(key, natives[0] if natives else None)
            variants = natives + [v for v in variants if not v.startswith("native")]
            for v in variants:
                vals = [r[f"{key}/{v}"] for r in runs if f"{key}/{v}" in r]
                med = statistics.median(vals)
                ratio = delta = ""
                others = []
                if primary and v != primary:
                    pairs = [(r[f"{key}/{v}"], r[f"{key}/{primary}"]) for r in runs
                             if f"{key}/{v}" in r and f"{key}/{primary}" in r]
                    ratio = f"{statistics.median(a / b for a, b in pairs):.3f}"
                    delta = fmt_time(statistics.median(a - b for a, b in pairs))
                    for n in natives:
                        if n in (primary, v):
                            continue
                        pairs = [(r[f"{key}/{v}"], r[f"{key}/{n}"]) for r in runs
                                 if f"{key}/{v}" in r and f"{key}/{n}" in r]
                        others.append(f"{statistics.median(a / b for a, b in pairs):.3f} × {n}")
                name = f"**{v}**" if v == primary else v
                print(f"| {backend} | {name} | {fmt_time(med)} | {ratio} | {delta} | {'; '.join(others)} |")
        print()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "collect":
        collect(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    elif len(sys.argv) >= 3 and sys.argv[1] == "table":
        table(sys.argv[2:])
    else:
        sys.exit(__doc__)
