//! Allocations and bytes per operation, native vs async-bridge, per backend, counted by a
//! `#[global_allocator]` that wraps the system allocator.
//!
//! ```text
//! cargo run --release -p async-bridge-benches --bin alloc_count [PREFIX]
//! ```
//!
//! Each operation runs once to warm up (threads, thread-locals, pools), then `n` times and
//! 0 times; `(count(n) - count(0)) / n` is the count per operation, with the set-up around
//! the loop subtracted. The median of three such measurements is reported, which drops a
//! stray allocation of a runtime's background thread (a pool growing a thread). It exits
//! non-zero if an async-bridge call (`bridge`, `bridge_free_fn`) allocates more often than
//! the fastest native call of its group (the `dyn` path boxes by design and is only
//! reported).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call forwards to `System` unchanged; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted(run: fn(u64) -> std::time::Duration, n: u64) -> (u64, u64) {
    let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    black_box(run(n));
    (ALLOCS.load(Relaxed) - a0, BYTES.load(Relaxed) - b0)
}

/// Allocations and bytes per operation.
fn per_op(run: fn(u64) -> std::time::Duration, n: u64) -> (f64, f64) {
    let mut samples: Vec<(f64, f64)> = (0..3)
        .map(|_| {
            let (a1, b1) = counted(run, n);
            let (a0, b0) = counted(run, 0);
            (
                (a1 as f64 - a0 as f64) / n as f64,
                (b1 as f64 - b0 as f64) / n as f64,
            )
        })
        .collect();
    samples.sort_by(|x, y| x.0.total_cmp(&y.0));
    samples[1]
}

/// A variant of an operation: its name, allocations and bytes per operation.
type Row<'a> = (&'a str, f64, f64);

fn main() -> ExitCode {
    let started = Instant::now();
    let filter = std::env::args().nth(1).unwrap_or_default();
    let ops = async_bridge_benches::matching(&filter);
    let mut table: BTreeMap<(&str, &str), Vec<Row<'_>>> = BTreeMap::new();
    for op in &ops {
        let n = match op.group {
            "spawn_batch_10k" => 2,
            "sleep_zero" if op.backend == "tokio" => 100, // a millisecond each
            "block_on_woken_by_other_thread" | "spawn_blocking" => 300,
            _ => 2000,
        };
        black_box((op.run)(n)); // warm-up
        let (allocs, bytes) = per_op(op.run, n);
        table
            .entry((op.group, op.backend))
            .or_default()
            .push((op.variant, allocs, bytes));
    }

    let mut failures = Vec::new();
    let mut checks = 0;
    println!("| operation | backend | variant | allocations / op | bytes / op |");
    println!("| --- | --- | --- | ---: | ---: |");
    for ((group, backend), rows) in &table {
        let per = if *group == "spawn_batch_10k" {
            " (per batch of 10,000)"
        } else {
            ""
        };
        for (variant, allocs, bytes) in rows {
            println!("| {group}{per} | {backend} | {variant} | {allocs:.2} | {bytes:.0} |");
        }
        let native = rows
            .iter()
            .filter(|r| r.0.starts_with("native"))
            .map(|r| r.1)
            .fold(f64::INFINITY, f64::min);
        // Slack for a background thread's stray allocation (a pool growing a thread, an
        // executor growing a queue): a tenth of an allocation per operation, and for the
        // batch, counted per 10,000 spawns over two batches, two per batch (one stray
        // allocation in one of the two shows as 0.5; one more allocation per spawn would be
        // 10,000).
        let slack = if *group == "spawn_batch_10k" {
            2.0
        } else {
            0.1
        };
        for (variant, allocs, _) in rows {
            if !variant.starts_with("bridge") {
                continue;
            }
            checks += 1;
            if *allocs > native + slack {
                failures.push(format!(
                    "{group}/{backend}/{variant}: {allocs:.2} allocations per operation, \
                     native {native:.2}"
                ));
            }
        }
    }
    println!(
        "\nalloc_count: {} operations in {:.1?}",
        ops.len(),
        started.elapsed()
    );
    if failures.is_empty() {
        println!("alloc_count: async-bridge allocates no more often than native");
        println!("{checks} passed, 0 failed");
        ExitCode::SUCCESS
    } else {
        for f in &failures {
            eprintln!("MORE ALLOCATIONS THAN NATIVE: {f}");
        }
        println!(
            "{} passed, {} failed",
            checks - failures.len(),
            failures.len()
        );
        ExitCode::FAILURE
    }
}
