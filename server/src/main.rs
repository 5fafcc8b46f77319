//! agentdesk-server binary: the `serve` and `options` commands.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

fn main() -> ExitCode {
    Cli::parse().run()
}
