//! The spawn rows, native and async-bridge side by side, in a build with one backend:
//! `cargo bench -p async-bridge-one-backend --features smol` (or `tokio`). One criterion
//! group per operation, so each report holds the ratio from one run.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let ops = async_bridge_one_backend::ops();
    let mut groups: Vec<&str> = ops.iter().map(|(name, _)| group_of(name)).collect();
    groups.dedup();
    for group in groups {
        let mut g = c.benchmark_group(group);
        if group.starts_with("spawn_batch_10k") {
            // A batch is milliseconds: fewer samples, same time.
            g.sample_size(10);
        }
        for (name, run) in ops.iter().filter(|(name, _)| group_of(name) == group) {
            let variant = &name[group.len() + 1..];
            g.bench_function(variant, |b| b.iter_custom(run));
        }
        g.finish();
    }
}

/// `GROUP/BACKEND` of `GROUP/BACKEND/VARIANT`.
fn group_of(name: &str) -> &str {
    name.rsplit_once('/').map_or(name, |(group, _)| group)
}

criterion_group! {
    name = one;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(1000))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30)
        .configure_from_args();
    targets = benches
}
criterion_main!(one);
