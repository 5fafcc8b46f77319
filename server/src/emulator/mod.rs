//! The local emulator: a policy-faithful Agent Workspace on loopback.
//!
//! [`Emulator::start`] serves, on one port, the host page (`/`), its relay (`/relay`), the
//! native Service Client API endpoint (`/scapi`), the control API (`/api/...`) and the
//! customer's side of chats (`/chat/...`, bodies in [`agentdesk_protocol::emulator::chat`]); on a
//! second port (a different origin, so the cross-origin policy is real) a demo third-party
//! app that speaks the Service Client API wire format; and, on a third, the Screen Recording
//! Service emulator. The `agentdesk-server serve` command runs it.

mod chat;
mod control;
pub mod guard;
mod http;
mod recorder;
mod relay;
pub mod scenario;
mod tabs;
mod traffic;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use agentdesk_protocol::emulator::control::{
    Action, ActionOutcome, DesktopState, ErrorBody, HostConfig, ViewConfig,
};
use agentdesk_protocol::scapi::types::Agent;
use agentdesk_protocol::{config, policy};
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use self::http::HttpLimits;
pub use self::traffic::{
    TRAFFIC_LOG_BYTES, TRAFFIC_LOG_ENTRIES, TRAFFIC_MESSAGE_BYTES, TRAFFIC_PAGE,
};
use crate::chaos::ChaosConfig;
use crate::engine::{Engine, EngineConfig};
use crate::service::{Clock, Service, SystemClock};
use crate::simulated::SimulatedWorkspace;

/// The option file used when none is given: the demo app's origin is added to it at start.
pub const DEFAULT_OPTIONS: &str = include_str!("assets/default-options.cfg");

/// The Pull Preview campaign of the default desktop.
pub const PULL_CAMPAIGN: &str = "Pull Preview Campaign";
/// The Regular Push Preview campaign of the default desktop.
pub const PUSH_CAMPAIGN: &str = "Push Preview Campaign";
/// The Direct Push Preview campaign of the default desktop.
pub const DIRECT_CAMPAIGN: &str = "Direct Push Campaign";
/// The predictive campaign of the default desktop (campaign events without records).
pub const PREDICTIVE_CAMPAIGN: &str = "Offer of the Month";

/// The desktop the emulator simulates by default: the simulated agent with one campaign per
/// preview mode (loaded and started at start-up, so records can flow at once) and a predictive
/// campaign left for the control API to load, start, stop and unload.
pub fn default_workspace() -> SimulatedWorkspace {
    use crate::simulated::{CampaignSpec, PreviewMode, SimulatedConfig};
    SimulatedWorkspace::new(
        SimulatedConfig::default()
            .with_campaign(
                CampaignSpec::preview(PULL_CAMPAIGN, PreviewMode::Pull).with_chain(chain_of_two()),
            )
            .with_campaign(CampaignSpec::preview(
                PUSH_CAMPAIGN,
                PreviewMode::RegularPush,
            ))
            .with_campaign(CampaignSpec::preview(
                DIRECT_CAMPAIGN,
                PreviewMode::DirectPush,
            ))
            .with_campaign(CampaignSpec::dialing(PREDICTIVE_CAMPAIGN, "Predictive GVP")),
    )
}

/// The first record the pull campaign previews, with one chained record: the agent sees a
/// chain retrieved (`RECORDS_RETRIEVED`) before the generated records that follow.
fn chain_of_two() -> Vec<agentdesk_protocol::scapi::types::RecordFields> {
    let record = |handle: u32, phone: &str| {
        [
            ("GSW_RECORD_HANDLE", Value::from(handle)),
            ("GSW_PHONE", Value::from(phone)),
            ("GSW_CHAIN_ID", Value::from(1)),
            ("GSW_CALL_RESULT", Value::from(28)),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    };
    vec![record(1001, "+15550001001"), record(1002, "+15550001002")]
}

fn start_preview_campaigns(workspace: &SimulatedWorkspace, now: policy::Timestamp) {
    for campaign in [PULL_CAMPAIGN, PUSH_CAMPAIGN, DIRECT_CAMPAIGN] {
        let loaded = workspace
            .load_campaign(now, campaign)
            .and_then(|_| workspace.start_campaign(now, campaign));
        if let Err(error) = loaded {
            tracing::debug!(%campaign, %error, "preview campaign not started");
        }
    }
}

/// In a given option file, stands for the demo app's origins (whatever port it got).
pub const DEMO_APP_TOKEN: &str = "$DEMO_APP$";

/// `text` with [`DEMO_APP_TOKEN`] replaced by the demo app's origins; a filter list after the
/// token (`$DEMO_APP$ (agent.*, voice.dial)`) goes with each origin, as the token means one
/// app, not a list whose last entry alone is filtered.
pub fn expand_demo_app(text: &str, origins: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(DEMO_APP_TOKEN) {
        out.push_str(&rest[..start]);
        rest = &rest[start + DEMO_APP_TOKEN.len()..];
        let after_space = rest.trim_start_matches([' ', '\t']);
        let filter = after_space
            .starts_with('(')
            .then(|| after_space.find(')').map(|end| &after_space[..=end]))
            .flatten();
        let entries: Vec<String> = match filter {
            Some(filter) => {
                rest = &after_space[filter.len()..];
                origins.iter().map(|o| format!("{o} {filter}")).collect()
            }
            None => origins.to_vec(),
        };
        out.push_str(&entries.join(", "));
    }
    out.push_str(rest);
    out
}

/// How to run the emulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Address of the host page, relay, native endpoint and control API.
    pub listen: SocketAddr,
    /// Address of the demo app (`None`: no demo app).
    pub demo_app: Option<SocketAddr>,
    /// Address of the Screen Recording Service emulator (`None`: not started).
    pub srs: Option<SocketAddr>,
    /// The WWE option file text (security options, behaviour options, any other option
    /// `configuration.getOption` should answer); `None` uses [`DEFAULT_OPTIONS`] and
    /// accepts the demo app's origin. [`DEMO_APP_TOKEN`] in the text stands for the demo app's
    /// origins.
    pub options: Option<String>,
    /// App URLs embedded in the host page (the demo app is added when it runs).
    pub apps: Vec<String>,
    /// A timeline of actions to run after start.
    pub scenario: Option<scenario::Scenario>,
    /// A per-run secret the relay and the control API require (see [`guard`]).
    pub token: Option<String>,
    /// Time and connection limits of every listener.
    pub http: HttpLimits,
    /// Chaos timing of messages to the apps (none by default).
    pub chaos: ChaosConfig,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo_app: Some(SocketAddr::from(([127, 0, 0, 1], 8081))),
            srs: Some(SocketAddr::from(([127, 0, 0, 1], 8082))),
            options: None,
            apps: Vec::new(),
            scenario: None,
            token: None,
            http: HttpLimits::default(),
            chaos: ChaosConfig::default(),
        }
    }
}

impl EmulatorConfig {
    /// Everything on `127.0.0.1`, ports chosen by the system (for tests).
    pub fn loopback_ephemeral() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            listen: any,
            demo_app: Some(any),
            srs: Some(any),
            ..Self::default()
        }
    }
}

/// Why the emulator cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// A port cannot be bound.
    #[error("cannot listen on {address}: {source} (pick another port with --listen)")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The option file has errors.
    #[error("the option file has errors:\n{0}")]
    Options(String),
    /// The SRS emulator failed to start.
    #[error("the Screen Recording Service emulator cannot start: {0}")]
    Srs(String),
}

/// State shared by the host-side handlers.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) service: Service,
    pub(crate) workspace: Arc<SimulatedWorkspace>,
    pub(crate) host_origins: Arc<Vec<String>>,
    pub(crate) apps: Arc<Vec<String>>,
    pub(crate) traffic: Arc<Mutex<traffic::TrafficLog>>,
    /// The customer chat API's ids (capabilities) to interaction ids.
    pub(crate) chats: Arc<Mutex<chat::ChatIds>>,
    pub(crate) srs_url: Option<String>,
    /// Turns true when the emulator shuts down (long-lived sockets close then).
    pub(crate) stopped: watch::Receiver<bool>,
    /// "Record test".
    pub(crate) recorder: Arc<recorder::Recorder>,
    /// The option file's views, as the host page shows them (replaced on a reload).
    pub(crate) views: Arc<std::sync::RwLock<Vec<ViewConfig>>>,
    /// Woken when an action changed the desktop, so host pages are sent its state at once.
    pub(crate) changed: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// The host page's configuration.
    pub(crate) fn host_config(&self) -> HostConfig {
        let views = self
            .views
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        HostConfig::new(self.apps.to_vec(), self.srs_url.clone()).with_views(views)
    }

    fn set_views(&self, configuration: &config::Configuration) {
        let views = host_views(configuration, &self.workspace.agent());
        *self
            .views
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = views;
    }
}

/// The option file's views for the host page: agent placeholders filled, each origin checked
/// against the accepted origins (a URL whose host is a placeholder is taken as accepted: only
/// the browser will know its origin).
fn host_views(configuration: &config::Configuration, agent: &Agent) -> Vec<ViewConfig> {
    let policy = configuration.policy();
    configuration
        .views()
        .iter()
        .map(|view| {
            let accepted = view
                .origin
                .as_ref()
                .is_none_or(|origin| policy.resolve(origin).is_accepted());
            ViewConfig::of(
                view,
                config::fill_agent_placeholders(&view.url, agent),
                accepted,
            )
        })
        .collect()
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("apps", &self.apps)
            .finish_non_exhaustive()
    }
}

/// A running emulator; dropping it does not stop it, [`RunningEmulator::shutdown`] does.
#[derive(Debug)]
pub struct RunningEmulator {
    /// The host page URL, e.g. `http://127.0.0.1:8080/`.
    pub host_url: String,
    /// The URL to open in a browser: [`RunningEmulator::host_url`], with the token when one
    /// is required.
    pub page_url: String,
    /// The demo app URL, when it runs.
    pub app_url: Option<String>,
    /// The SRS emulator's base URL, when it runs.
    pub srs_url: Option<String>,
    /// The per-run token, when one is required.
    pub token: Option<String>,
    /// The service, for driving it from Rust (tests, embedding).
    pub service: Service,
    /// The simulated desktop, for scenarios from Rust.
    pub workspace: Arc<SimulatedWorkspace>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    srs: Option<agentdesk_srs::emulator::RunningEmulator>,
    /// What [`DEMO_APP_TOKEN`] stands for in option files.
    app_origins: Vec<String>,
    /// What the control API's handlers share.
    state: AppState,
}

impl RunningEmulator {
    /// Applies a control-API action, as `POST /api/actions` does; a refusal says what to do
    /// instead.
    pub async fn apply(&self, action: Action) -> Result<ActionOutcome, ErrorBody> {
        match control::apply(&self.state, action).await {
            Ok(applied) => Ok(ActionOutcome::new(
                applied.interaction_id,
                u64::try_from(applied.events).unwrap_or(u64::MAX),
            )),
            Err(error) => Err(ErrorBody::new(error)),
        }
    }

    /// The simulated desktop, as `GET /api/state` answers it.
    pub fn desktop_state(&self) -> DesktopState {
        control::desktop_state_of(&self.state)
    }

    /// The host page's configuration, as `GET /api/config` answers it.
    pub fn host_config(&self) -> HostConfig {
        self.state.host_config()
    }

    /// Applies an edited option file while running: the new policy and views decide from the
    /// next message on (rate windows start afresh; a frame showing a view now in a tab of its
    /// own may only dial), and `configuration.getOption` and the behaviour options follow the
    /// new file. On an error nothing changes. Returns the file's warnings.
    pub fn reload_options(&self, text: &str) -> Result<Vec<String>, EmulatorError> {
        let text = expand_demo_app(text, &self.app_origins);
        let parsed =
            config::parse(&text).map_err(|errors| EmulatorError::Options(errors.to_string()))?;
        let policy = parsed.configuration.policy().clone();
        self.service.with_engine(|engine| {
            engine.set_policy(policy);
            engine.set_views(parsed.configuration.views());
        });
        self.workspace.configure(&parsed.configuration);
        self.state.set_views(&parsed.configuration);
        let policy_warnings = parsed.policy_warnings.iter().map(ToString::to_string);
        Ok(policy_warnings
            .chain(parsed.warnings.iter().map(ToString::to_string))
            .collect())
    }

    /// Stops every server and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        if let Some(srs) = self.srs.take() {
            srs.shutdown().await;
        }
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, EmulatorError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| EmulatorError::Bind { address, source })
}

fn origin_of(address: SocketAddr) -> Vec<String> {
    let port = address.port();
    let mut origins = vec![format!("http://{address}")];
    if address.ip().is_loopback() {
        origins.push(format!("http://localhost:{port}"));
        origins.push(format!("http://127.0.0.1:{port}"));
    }
    let mut seen = std::collections::BTreeSet::new();
    origins.retain(|origin| seen.insert(origin.clone()));
    origins
}

/// The embedded default option file, accepting the demo app's origins.
pub fn default_options(app_origins: &[String]) -> String {
    let mut text = DEFAULT_OPTIONS.to_owned();
    if !app_origins.is_empty() {
        text.push_str(&format!(
            "service-client-api.accepted-web-content-origins={}\n",
            app_origins
                .iter()
                .map(|o| format!("{o} (*, auth.getJwtToken)"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text
}

impl Emulator {
    /// Binds every port and starts serving.
    pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        Self::start_with(config, Arc::new(SystemClock), Arc::new(default_workspace())).await
    }

    /// [`Emulator::start`] with a given clock and simulated desktop (tests use a manual clock).
    pub async fn start_with(
        config: EmulatorConfig,
        clock: Arc<dyn Clock>,
        workspace: Arc<SimulatedWorkspace>,
    ) -> Result<RunningEmulator, EmulatorError> {
        let host_listener = bind(config.listen).await?;
        let host_address = host_listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                address: config.listen,
                source,
            })?;
        let app_listener = match config.demo_app {
            Some(address) => Some(bind(address).await?),
            None => None,
        };
        let app_address = app_listener.as_ref().and_then(|l| l.local_addr().ok());
        let app_origins = app_address.map(origin_of).unwrap_or_default();
        let options = match &config.options {
            Some(text) => expand_demo_app(text, &app_origins),
            None => default_options(&app_origins),
        };
        let parsed =
            config::parse(&options).map_err(|errors| EmulatorError::Options(errors.to_string()))?;
        for warning in &parsed.policy_warnings {
            tracing::warn!("options: {warning}");
        }
        for warning in &parsed.warnings {
            tracing::warn!("options: {warning}");
        }
        workspace.configure(&parsed.configuration);
        let engine_config = EngineConfig {
            trace: true,
            ..EngineConfig::default()
        };
        let mut engine = Engine::new(parsed.configuration.policy().clone(), engine_config);
        engine.set_views(parsed.configuration.views());
        let service = Service::with_chaos(engine, workspace.clone(), clock, config.chaos);
        start_preview_campaigns(&workspace, service.now());

        let srs = match config.srs {
            Some(address) => {
                // A default agent, so a desktop can log in to it out of the box.
                let srs_config = agentdesk_srs::emulator::EmulatorConfig::default()
                    .with_bind(address)
                    .with_default_agent();
                Some(
                    agentdesk_srs::emulator::serve(srs_config)
                        .await
                        .map_err(|e| EmulatorError::Srs(e.to_string()))?,
                )
            }
            None => None,
        };
        let srs_url = srs.as_ref().map(|s| s.base_url());

        let mut apps = config.apps.clone();
        let app_url = app_address.map(|a| format!("http://{a}/"));
        if let Some(url) = &app_url {
            apps.insert(0, url.clone());
        }
        let (stop, stopped) = watch::channel(false);
        let host_origins = origin_of(host_address);
        let host_guard =
            guard::Guard::new(host_address, host_origins.clone(), config.token.clone());
        let app_state = AppState {
            service: service.clone(),
            workspace: workspace.clone(),
            host_origins: Arc::new(host_origins),
            apps: Arc::new(apps),
            traffic: Arc::default(),
            chats: Arc::default(),
            srs_url: srs_url.clone(),
            stopped: stopped.clone(),
            recorder: Arc::default(),
            views: Arc::default(),
            changed: Arc::default(),
        };
        app_state.set_views(&parsed.configuration);
        let mut tasks = vec![tokio::spawn(keep_traffic(
            service.clone(),
            app_state.traffic.clone(),
            app_state.recorder.clone(),
            stopped.clone(),
        ))];
        if let Some(scenario) = config.scenario.clone() {
            tasks.push(tokio::spawn(scenario::run(app_state.clone(), scenario)));
        }
        tasks.push(http::serve_until(
            host_listener,
            host_router(app_state.clone()).layer(axum::middleware::from_fn_with_state(
                host_guard,
                guard::check,
            )),
            config.http,
            stopped.clone(),
        ));
        if let (Some(listener), Some(address)) = (app_listener, app_address) {
            let app_guard = guard::Guard::new(address, app_origins.clone(), None);
            let router = demo_app_router().layer(axum::middleware::from_fn_with_state(
                app_guard,
                guard::check,
            ));
            tasks.push(http::serve_until(
                listener,
                router,
                config.http,
                stopped.clone(),
            ));
        }
        let host_url = format!("http://{host_address}/");
        let page_url = match &config.token {
            Some(token) => format!("{host_url}?token={token}"),
            None => host_url.clone(),
        };
        Ok(RunningEmulator {
            host_url,
            page_url,
            token: config.token.clone(),
            app_url,
            srs_url,
            service,
            workspace,
            stop,
            tasks,
            srs,
            app_origins,
            state: app_state,
        })
    }
}

/// The emulator (see the [module docs](self)).
#[derive(Debug)]
pub struct Emulator;

async fn keep_traffic(
    service: Service,
    log: Arc<Mutex<traffic::TrafficLog>>,
    recorder: Arc<recorder::Recorder>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut traces = service.traces();
    loop {
        tokio::select! {
            record = traces.recv() => match record {
                Ok(record) => {
                    recorder.trace(&record);
                    log.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(&record);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            _ = stopped.wait_for(|stop| *stop) => break,
        }
    }
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse + Clone {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
}

const JS: &str = "text/javascript; charset=utf-8";

fn host_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", include_str!("assets/host.html")) }),
        )
        .route(
            "/host.js",
            get(|| async { asset(JS, include_str!("assets/host.js")) }),
        )
        .route(
            "/host.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("assets/host.css")) }),
        )
        .route(
            "/agentdesk-scapi.js",
            get(|| async { asset(JS, include_str!("assets/agentdesk-scapi.js")) }),
        )
        .route("/relay", get(relay::upgrade))
        .merge(control::router())
        .merge(chat::router())
        .with_state(state.clone())
        .merge(crate::ws::router(state.service))
}

/// The demo app, with a small report sink its self-test mode writes to.
fn demo_app_router() -> Router {
    let reports: Arc<Mutex<Vec<Value>>> = Arc::default();
    let post_reports = reports.clone();
    Router::new()
        .route(
            "/",
            get(|| async {
                asset(
                    "text/html; charset=utf-8",
                    include_str!("assets/demo-app.html"),
                )
            }),
        )
        .route(
            "/agentdesk-scapi.js",
            get(|| async { asset(JS, include_str!("assets/agentdesk-scapi.js")) }),
        )
        .route(
            "/reports",
            get(move || {
                let reports = reports.clone();
                async move {
                    let list = reports
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone();
                    axum::Json(list)
                }
            })
            .post(move |axum::Json(report): axum::Json<Value>| {
                let reports = post_reports.clone();
                async move {
                    let mut list = reports
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if list.len() < 1000 {
                        list.push(report);
                    }
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        )
}
