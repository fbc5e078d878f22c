//! async-std's task-locals and `task::current()` work inside async-bridge's `block_on` and
//! its tasks on the async-std backend. `AsyncStd::block_on` goes through
//! `async_std::task::block_on` for exactly this (see BENCHMARKS.md: a cheaper block_on would
//! lose them); this test guards the choice.
#![cfg(feature = "async-std")]

use std::cell::Cell;

use async_bridge::{AsyncStd, BlockOn, Spawn};

async_std::task_local! {
    static DEPTH: Cell<u32> = Cell::new(7);
}

#[test]
fn task_locals_work_inside_block_on() {
    let rt = AsyncStd::new();
    let seen = rt.block_on(async {
        DEPTH.with(|d| d.set(d.get() + 1));
        let _ = async_std::task::current().id();
        DEPTH.with(Cell::get)
    });
    assert_eq!(seen, 8);
}

#[test]
fn task_locals_work_inside_spawned_tasks() {
    let rt = AsyncStd::new();
    let seen = rt
        .block_on(rt.spawn(async {
            DEPTH.with(|d| d.set(d.get() * 2));
            DEPTH.with(Cell::get)
        }))
        .unwrap();
    assert_eq!(seen, 14);
}
