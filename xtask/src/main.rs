//! Repository automation.
//!
//! - `cargo xtask codegen` regenerates every file under `schema/` from the protocol crate: JSON
//!   Schemas, TypeScript declarations and the AsyncAPI document.
//! - `cargo xtask codegen --check` changes nothing and exits non-zero, naming each stale,
//!   missing or extra file, when `schema/` differs from what would be generated. That includes
//!   the conformance corpus `schema/conformance/*.jsonl`, whose expectations are recorded by
//!   replaying its case definitions against the engine.
//! - `cargo xtask conformance [--filter TEXT]` replays the checked-in corpus against the engine
//!   and the simulated Workspace and prints `PASS`/`FAIL` per case.

mod codegen;
mod conformance;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen::run(false),
        ["codegen", "--check"] => codegen::run(true),
        ["conformance"] => conformance::run(None),
        ["conformance", "--filter", text] => conformance::run(Some(text)),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check] | conformance [--filter TEXT]");
            ExitCode::from(2)
        }
    }
}
