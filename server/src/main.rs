//! agentdesk-server binary.

use std::process::ExitCode;

use agentdesk_server::cli::Cli;
use clap::Parser;

fn main() -> ExitCode {
    Cli::parse().run()
}
