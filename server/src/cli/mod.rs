//! The `agentdesk-server` command line: subcommand groups, each in its own module.

mod options;
mod serve;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "agentdesk-server",
    version,
    about = "Agent desktop protocol server and tools"
)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the local emulator: a policy-faithful Agent Workspace with a demo app, the control
    /// API, the native `/scapi` endpoint and the Screen Recording Service emulator.
    Serve(serve::ServeArgs),
    /// Test apps unattended: each test file gets a fresh emulator and desktop, its apps in
    /// headless chromium, and steps that act on the desktop and check what the apps do.
    Test(test::TestArgs),
    /// Inspect `service-client-api.*` security options.
    #[command(subcommand)]
    Options(OptionsCommand),
}

/// `agentdesk-server options ...`
#[derive(Debug, Subcommand)]
pub(crate) enum OptionsCommand {
    /// Print the canonical policy and lint warnings; exit 1 on errors.
    Check {
        /// The option file.
        file: PathBuf,
    },
    /// Print the decision for one request and the rule behind it; exit 0 when allowed,
    /// 1 when denied or ignored, 2 when the file cannot be used or the request name is unknown.
    Explain {
        /// The option file.
        file: PathBuf,
        /// The origin as the browser reports it (e.g. `https://crm.example`, or `null`).
        #[arg(long)]
        origin: String,
        /// The request name (e.g. `voice.dial`).
        #[arg(long)]
        request: String,
    },
}

impl Cli {
    /// Runs the command, writing to stdout and stderr.
    pub(crate) fn run(self) -> ExitCode {
        // `serve` logs from worker threads through the global stdout/stderr handles; holding
        // their locks here would block the first log line forever.
        match &self.command {
            Command::Serve(args) => return serve::run(args),
            Command::Test(args) => {
                serve::init_logging(tracing::Level::WARN);
                return test::run(args);
            }
            Command::Options(_) => {}
        }
        let mut out = std::io::stdout().lock();
        let mut err = std::io::stderr().lock();
        let code = match self.command {
            Command::Serve(_) | Command::Test(_) => 0,
            Command::Options(OptionsCommand::Check { file }) => {
                options::check_file(&file, &mut out, &mut err)
            }
            Command::Options(OptionsCommand::Explain {
                file,
                origin,
                request,
            }) => options::explain_file(&file, &origin, &request, &mut out, &mut err),
        };
        ExitCode::from(code)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command, OptionsCommand};

    #[test]
    fn options_check_parses_its_file_argument() {
        let cli = Cli::parse_from(["agentdesk-server", "options", "check", "wwe.cfg"]);
        assert!(matches!(
            cli.command,
            Command::Options(OptionsCommand::Check { .. })
        ));
    }
}
