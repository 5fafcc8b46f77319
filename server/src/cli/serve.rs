//! `serve`: the local emulator.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use agentdesk_server::chaos::ChaosConfig;
use agentdesk_server::emulator::scenario::Scenario;
use agentdesk_server::emulator::{Emulator, EmulatorConfig};

/// `agentdesk-server serve`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ServeArgs {
    /// Address of the host page, the relay, `/scapi` and the control API. Anything but a
    /// loopback address exposes the emulator to the network.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Address of the demo third-party app (a second origin, so cross-origin policy is real).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub(crate) demo_app: SocketAddr,
    /// Do not serve the demo app.
    #[arg(long)]
    pub(crate) no_demo_app: bool,
    /// Address of the Screen Recording Service emulator.
    #[arg(long, default_value = "127.0.0.1:8082")]
    pub(crate) srs: SocketAddr,
    /// Do not start the Screen Recording Service emulator.
    #[arg(long)]
    pub(crate) no_srs: bool,
    /// A WWE option file: security options, behaviour options, views and any option apps
    /// read (default: an embedded file accepting the demo app). Edits apply while running.
    #[arg(long, value_name = "FILE")]
    pub(crate) options: Option<PathBuf>,
    /// An app URL to embed in the host page (repeatable); its origin must be accepted by the
    /// options.
    #[arg(long = "app", value_name = "URL")]
    pub(crate) apps: Vec<String>,
    /// A JSON scenario: a timeline of control-API actions run after start.
    #[arg(long, value_name = "FILE")]
    pub(crate) scenario: Option<PathBuf>,
    /// Require a per-run secret on the relay and the control API (for machines shared with
    /// other users): `--token` makes one up and prints it in the host page URL,
    /// `--token=SECRET` uses SECRET.
    #[arg(long, value_name = "SECRET", num_args = 0..=1, default_missing_value = "")]
    pub(crate) token: Option<String>,
    /// Chaos timing: every message to an app arrives MS milliseconds late, give or take up
    /// to JITTER milliseconds (`--latency 50` or `--latency 50,20`).
    #[arg(long, value_name = "MS[,JITTER]", value_parser = parse_latency)]
    pub(crate) latency: Option<(u64, u64)>,
    /// Chaos timing: the percentage (0 to 100) of answers whose first event is delivered
    /// before the answer, as real deployments sometimes do.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub(crate) early_events: Option<u8>,
    /// Seeds chaos timing, to repeat a run (printed at start when chaos timing is on).
    #[arg(long, value_name = "N")]
    pub(crate) chaos_seed: Option<u64>,
}

/// `MS` or `MS,JITTER`, both whole milliseconds.
fn parse_latency(text: &str) -> Result<(u64, u64), String> {
    let number = |part: &str, what: &str| {
        part.trim().parse::<u64>().map_err(|_| {
            format!("{what} `{part}` is not a whole number of milliseconds; write e.g. 50 or 50,20")
        })
    };
    match text.split_once(',') {
        None => Ok((number(text, "latency")?, 0)),
        Some((latency, jitter)) => Ok((number(latency, "latency")?, number(jitter, "jitter")?)),
    }
}

/// How long a stop may take before open connections are cut.
const STOP_GRACE: Duration = Duration::from_millis(700);

impl ServeArgs {
    fn config(&self) -> Result<EmulatorConfig, String> {
        let mut config = EmulatorConfig::default();
        config.listen = self.listen;
        config.demo_app = (!self.no_demo_app).then_some(self.demo_app);
        config.srs = (!self.no_srs).then_some(self.srs);
        config.apps = self.apps.clone();
        config.chaos = self.chaos()?;
        config.token = match self.token.as_deref() {
            None => None,
            Some("") => Some(random_token()?),
            Some(token)
                if token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Some(token.to_owned())
            }
            Some(_) => {
                return Err(
                    "--token: use letters, digits, '-' and '_' only (it goes into a URL)"
                        .to_owned(),
                );
            }
        };
        if let Some(path) = &self.options {
            config.options = Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            );
        }
        if let Some(path) = &self.scenario {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            config.scenario =
                Some(Scenario::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?);
        }
        Ok(config)
    }
}

/// The log filter `RUST_LOG` asks for (`info` when unset), and why it was ignored, if it was.
/// `RUST_LOG` is a comma-separated list of `level` and `target=level` directives.
fn log_filter(rust_log: Option<&str>, level: tracing::Level) -> (Targets, Option<String>) {
    let default = || Targets::new().with_default(level);
    match rust_log.map(str::trim).filter(|text| !text.is_empty()) {
        None => (default(), None),
        Some(text) => match text.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(error) => (default(), Some(format!("`{text}`: {error}"))),
        },
    }
}

/// Logs to stderr at `level` unless `RUST_LOG` says otherwise.
pub(crate) fn init_logging(level: tracing::Level) {
    let (filter, bad_filter) = log_filter(std::env::var("RUST_LOG").ok().as_deref(), level);
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::env::var_os("NO_COLOR").is_none()
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .finish()
        .with(filter)
        .try_init();
    if let Some(problem) = bad_filter {
        tracing::warn!(
            "RUST_LOG ignored ({problem}); write e.g. RUST_LOG=debug or RUST_LOG=agentdesk_server=trace,info"
        );
    }
}

/// Runs the emulator until Ctrl-C.
pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    init_logging(tracing::Level::INFO);
    let config = match args.config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config_chaos = config.chaos;
    let code = runtime.block_on(async {
        let mut signals = StopSignals::listen();
        let running = match Emulator::start(config).await {
            Ok(running) => running,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("agentdesk emulator running");
        println!("  Agent Workspace (open this):  {}", running.page_url);
        if let Some(app) = &running.app_url {
            println!("  demo third-party app:         {app}");
        }
        println!(
            "  native Service Client API:    {}scapi",
            running.host_url.replacen("http", "ws", 1)
        );
        println!(
            "  control API:                  {}api/state",
            running.host_url
        );
        if let Some(srs) = &running.srs_url {
            println!("  Screen Recording Service:     {srs}");
        }
        if let Some(token) = &running.token {
            println!("  token (relay, control API):   {token} (query token=... or header x-agentdesk-token)");
        }
        let running = Arc::new(running);
        let watcher = args
            .options
            .clone()
            .map(|path| tokio::spawn(watch_options(path, Arc::clone(&running))));
        if config_chaos.is_active() {
            println!("{}", chaos_line(&config_chaos));
        }
        println!("Press Ctrl-C to stop.");
        signals.wait().await;
        println!("stopping");
        if let Some(watcher) = watcher {
            watcher.abort();
            let _ = watcher.await;
        }
        let Ok(running) = Arc::try_unwrap(running) else {
            return ExitCode::SUCCESS;
        };
        if tokio::time::timeout(STOP_GRACE, running.shutdown())
            .await
            .is_err()
        {
            tracing::info!("connections still open after {STOP_GRACE:?}; closing them");
        }
        ExitCode::SUCCESS
    });
    // Tasks still running (a client that does not close) are cut here, not waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from the moment this is made: a
/// signal that arrives while the emulator starts is not lost (nor does it kill the process
/// with the default action).
struct StopSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(stream) => Some(stream),
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for {name}");
                    None
                }
            };
            Self {
                interrupt: listen(SignalKind::interrupt(), "SIGINT"),
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves on the first stop signal.
    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = next(&mut self.interrupt) => {}
                () = next(&mut self.terminate) => {}
            }
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C; stopping");
        }
    }
}

impl ServeArgs {
    fn chaos(&self) -> Result<ChaosConfig, String> {
        let (latency, jitter) = self.latency.unwrap_or((0, 0));
        let seed = match self.chaos_seed {
            Some(seed) => seed,
            None => {
                let mut bytes = [0u8; 8];
                getrandom::fill(&mut bytes)
                    .map_err(|e| format!("cannot seed chaos timing: {e}"))?;
                u64::from_le_bytes(bytes)
            }
        };
        Ok(ChaosConfig {
            latency: Duration::from_millis(latency),
            jitter: Duration::from_millis(jitter),
            early_events: f64::from(self.early_events.unwrap_or(0)) / 100.0,
            seed,
        })
    }
}

/// How often `serve --options FILE` looks at the file.
const OPTIONS_POLL: Duration = Duration::from_secs(1);

/// Applies each edit of the option file while running; an edit that does not parse is
/// reported and the options in force stay.
async fn watch_options(path: PathBuf, running: Arc<agentdesk_server::emulator::RunningEmulator>) {
    let mut applied = std::fs::read_to_string(&path).ok();
    loop {
        tokio::time::sleep(OPTIONS_POLL).await;
        let reading = path.clone();
        let Ok(Ok(text)) =
            tokio::task::spawn_blocking(move || std::fs::read_to_string(reading)).await
        else {
            continue;
        };
        if applied.as_deref() == Some(text.as_str()) {
            continue;
        }
        match running.reload_options(&text) {
            Ok(warnings) => {
                for warning in warnings {
                    tracing::warn!("options: {warning}");
                }
                tracing::info!("options reloaded from {}", path.display());
            }
            Err(error) => tracing::error!(
                "options in {} not applied, the previous ones stay: {error}",
                path.display()
            ),
        }
        applied = Some(text);
    }
}

/// The start-up line that says what chaos timing does, and how to repeat the run.
fn chaos_line(chaos: &ChaosConfig) -> String {
    format!(
        "  chaos timing:                 latency {} ms ± {} ms, {} % early events, seed {} (repeat with --chaos-seed {})",
        chaos.latency.as_millis(),
        chaos.jitter.as_millis(),
        (chaos.early_events * 100.0).round(),
        chaos.seed,
        chaos.seed
    )
}

fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot make a token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    #[test]
    fn rust_log_levels_and_targets_are_read_and_a_bad_value_is_reported() {
        let (unset, problem) = log_filter(None, Level::INFO);
        assert!(problem.is_none());
        assert!(unset.would_enable("agentdesk_server", &Level::INFO));
        assert!(!unset.would_enable("agentdesk_server", &Level::DEBUG));

        let (debug, _) = log_filter(Some("debug"), Level::INFO);
        assert!(debug.would_enable("agentdesk_server::engine", &Level::DEBUG));

        let (targeted, _) = log_filter(Some("agentdesk_server=trace,warn"), Level::INFO);
        assert!(targeted.would_enable("agentdesk_server::emulator", &Level::TRACE));
        assert!(!targeted.would_enable("hyper", &Level::INFO));

        let (fallback, problem) = log_filter(Some("agentdesk_server=loud"), Level::INFO);
        assert!(problem.is_some_and(|p| p.contains("agentdesk_server=loud")));
        assert!(fallback.would_enable("agentdesk_server", &Level::INFO));
    }
}
