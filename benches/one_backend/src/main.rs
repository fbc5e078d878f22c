//! Runs one operation of `async_bridge_one_backend::ops()` `iters` times, for instruction
//! counts (`ONE=smol bash benches/callgrind.sh`):
//!
//! ```text
//! cargo build --release -p async-bridge-one-backend --features smol
//! valgrind --tool=callgrind target/release/async-bridge-one-backend spawn_await/smol/bridge 2200
//! ```

use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    let ops = async_bridge_one_backend::ops();
    let Some((_, run)) = ops.iter().find(|(op, _)| *op == name) else {
        if ops.is_empty() {
            eprintln!("no backend: build with `--features smol` or `--features tokio`");
        }
        for (op, _) in &ops {
            println!("{op}");
        }
        return if name == "list" {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    };
    let iters: u64 = match args.next().map(|n| n.parse()) {
        Some(Ok(iters)) => iters,
        _ => {
            eprintln!("usage: async-bridge-one-backend OP ITERS   (ops: `... list`)");
            return ExitCode::FAILURE;
        }
    };
    // Start the runtime and its threads outside the measured difference.
    black_box(run(1));
    black_box(run(iters));
    ExitCode::SUCCESS
}
