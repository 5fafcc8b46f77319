//! `serve`: the local emulator.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::emulator::scenario::Scenario;
use crate::emulator::{Emulator, EmulatorConfig};

/// `agentdesk-server serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address of the host page, the relay, `/scapi` and the control API. Anything but a
    /// loopback address exposes the emulator to the network.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address of the demo third-party app (a second origin, so cross-origin policy is real).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub demo_app: SocketAddr,
    /// Do not serve the demo app.
    #[arg(long)]
    pub no_demo_app: bool,
    /// Address of the Screen Recording Service emulator.
    #[arg(long, default_value = "127.0.0.1:8082")]
    pub srs: SocketAddr,
    /// Do not start the Screen Recording Service emulator.
    #[arg(long)]
    pub no_srs: bool,
    /// A WWE option file with the `service-client-api.*` security options (default: an
    /// embedded file accepting the demo app).
    #[arg(long, value_name = "FILE")]
    pub options: Option<PathBuf>,
    /// An app URL to embed in the host page (repeatable); its origin must be accepted by the
    /// options.
    #[arg(long = "app", value_name = "URL")]
    pub apps: Vec<String>,
    /// A JSON scenario: a timeline of control-API actions run after start.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
}

impl ServeArgs {
    fn config(&self) -> Result<EmulatorConfig, String> {
        let mut config = EmulatorConfig {
            listen: self.listen,
            demo_app: (!self.no_demo_app).then_some(self.demo_app),
            srs: (!self.no_srs).then_some(self.srs),
            apps: self.apps.clone(),
            ..EmulatorConfig::default()
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

/// Runs the emulator until Ctrl-C.
pub fn run(args: &ServeArgs) -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
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
    runtime.block_on(async {
        let running = match Emulator::start(config).await {
            Ok(running) => running,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("agentdesk emulator running");
        println!("  Agent Workspace (open this):  {}", running.host_url);
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
        println!("Press Ctrl-C to stop.");
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C; stopping");
        }
        println!("stopping");
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}
