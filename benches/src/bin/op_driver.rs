//! Runs one operation `iters` times, for instruction counts:
//!
//! ```text
//! valgrind --tool=callgrind target/release/op_driver block_on_ready/smol/bridge 10000
//! ```
//!
//! `benches/callgrind.sh` runs it twice per operation (a small and a large count) and
//! reports the difference per iteration, which removes start-up and set-up.

use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    let iters = args.next().unwrap_or_else(|| "0".into());
    if name.is_empty() {
        eprintln!("usage: op_driver GROUP/BACKEND/VARIANT ITERS   (ops: `op_driver list`)");
        return ExitCode::FAILURE;
    }
    let ops = async_bridge_benches::all();
    let Some(op) = ops.iter().find(|op| op.name() == name) else {
        for op in &ops {
            println!("{}", op.name());
        }
        return if name == "list" {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    };
    let iters: u64 = iters.parse().expect("ITERS is a number");
    // Start the runtime and its threads outside the measured difference.
    black_box((op.run)(1));
    black_box((op.run)(iters));
    ExitCode::SUCCESS
}
