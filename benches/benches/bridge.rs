//! Every operation, native runtime call and async-bridge call side by side: one criterion
//! group per operation and backend, so each report holds the ratio from one run.
//!
//! `cargo bench -p async-bridge-benches` runs them all (a few minutes); a filter picks some:
//! `cargo bench -p async-bridge-benches -- spawn_await/smol`. The operations themselves live
//! in `src/lib.rs`, shared with the allocation count and the instruction-count driver.
//!
//! Set `BENCH_QUICK=1` for a smoke run (short warm-up and measurement).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn config() -> Criterion {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (warm_up, measure, samples) = if quick {
        (200, 500, 10)
    } else {
        (1000, 2500, 30)
    };
    Criterion::default()
        .warm_up_time(Duration::from_millis(warm_up))
        .measurement_time(Duration::from_millis(measure))
        .sample_size(samples)
        .configure_from_args()
}

fn benches(c: &mut Criterion) {
    let ops = async_bridge_benches::all();
    let mut groups: Vec<(&str, &str)> = ops.iter().map(|op| (op.group, op.backend)).collect();
    groups.dedup();
    for (group, backend) in groups {
        let mut g = c.benchmark_group(format!("{group}/{backend}"));
        if group == "spawn_batch_10k" || group == "sleep_zero" {
            // Slow per iteration (a batch is milliseconds): fewer samples, same time.
            g.sample_size(10);
        }
        for op in ops
            .iter()
            .filter(|op| op.group == group && op.backend == backend)
        {
            let run = op.run;
            g.bench_function(op.variant, |b| b.iter_custom(run));
        }
        g.finish();
    }
}

criterion_group! {
    name = bridge;
    config = config();
    targets = benches
}
criterion_main!(bridge);
