//! Repository automation.
//!
//! - `cargo xtask codegen` regenerates every file under `schema/` from the protocol crate: JSON
//!   Schemas, TypeScript declarations and the AsyncAPI document.
//! - `cargo xtask codegen --check` changes nothing and exits non-zero, naming each stale,
//!   missing or extra file, when `schema/` differs from what would be generated.

mod codegen;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen::run(false),
        ["codegen", "--check"] => codegen::run(true),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            ExitCode::from(2)
        }
    }
}
