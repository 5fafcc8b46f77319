//! A local Screen Recording Service for tests and demos.
//!
//! [`Emulator`] holds the session state ([`SessionCore`], free of I/O) and builds the axum
//! [`Router`](axum::Router) that serves it, so a larger server can mount the SRS endpoints.
//! [`serve`] runs it on its own port, over plain HTTP or HTTPS with a certificate generated at
//! start-up, and returns a [`RunningEmulator`] handle.
//!
//! | Method and path | Meaning |
//! |-----------------|---------|
//! | `OPTIONS /api/v2/me`, `OPTIONS /ping` | CORS pre-flight (allowed origins only) |
//! | `GET /api/v2/me` | login with the user's default place |
//! | `POST /api/v2/me` | login with configuration (array) or logout (`EndContactCenterSession`) |
//! | `GET /ping` | keep the session alive; 401 once it timed out |
//! | `GET /emulator/session` | inspection: a [`SessionSnapshot`] |
//! | `POST /emulator/recording/start`, `.../stop` | start or stop a recording as RWS would |
//!
//! Every request passes the `Host` check, the CORS `Origin` check and, for state-changing
//! methods, the pre-flight rule described in the crate documentation ("Loopback hardening").

mod config;
mod core;
mod http;
#[cfg(feature = "emulator-tls")]
mod tls;
#[cfg(not(feature = "emulator-tls"))]
#[path = "no_tls.rs"]
mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use agentdesk_protocol::srs::SessionSnapshot;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinHandle;

pub use self::config::{
    AllowedOrigins, CsrfPolicy, DEFAULT_DN, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PASSWORD, DEFAULT_PLACE, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SWITCH, DEFAULT_USERNAME,
    EmulatorConfig, UserAccount, default_agent_place,
};
pub use self::core::{
    LoginGranted, Rejection, RequestAuth, SessionCore, TokenSource, parse_basic, random_tokens,
};
pub use self::http::{
    CONTROL_SESSION_PATH, CONTROL_START_PATH, CONTROL_STOP_PATH, CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE, MAX_BODY_BYTES, PREFLIGHTED_HEADERS,
    SESSION_COOKIE,
};
use crate::EmulatorError;

/// The emulated SRS: shared session state plus the HTTP routes that drive it.
#[derive(Clone)]
pub struct Emulator {
    state: http::AppState,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").finish_non_exhaustive()
    }
}

impl Emulator {
    /// An emulator with random session tokens.
    pub fn new(config: &EmulatorConfig) -> Self {
        Self::with_tokens(config, random_tokens())
    }

    /// An emulator whose cookies and CSRF tokens come from `tokens` (deterministic tests).
    pub fn with_tokens(config: &EmulatorConfig, tokens: TokenSource) -> Self {
        let core = SessionCore::new(
            config.users.clone(),
            config.places.clone(),
            config.csrf,
            config.session_timeout,
            tokens,
        );
        let changed = Arc::new(Notify::new());
        Self {
            state: http::AppState {
                core: Arc::new(Mutex::new(core)),
                origins: Arc::new(config.allowed_origins.clone()),
                hosts: Arc::new(config::AllowedHosts::new(
                    config.listen_addrs.iter().copied(),
                )),
                tls: config.tls,
                changed: Arc::clone(&changed),
                _wake_on_drop: Arc::new(http::WakeOnDrop(changed)),
            },
        }
    }

    /// The SRS routes (and the control routes under `/emulator/`), ready to serve or mount.
    pub fn router(&self) -> axum::Router {
        http::router(self.state.clone())
    }

    /// The session as the inspection endpoint would report it now.
    pub fn snapshot(&self) -> SessionSnapshot {
        let now = tokio::time::Instant::now().into_std();
        self.core().snapshot(now)
    }

    fn core(&self) -> std::sync::MutexGuard<'_, SessionCore> {
        self.state
            .core
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes at each session deadline so an expiry (and the recording it stops) is applied and
    /// logged when it happens rather than at the next request. Requests apply expiries
    /// themselves, so a mounting server may skip this; the task ends with the emulator.
    pub fn spawn_watchdog(&self) -> JoinHandle<()> {
        let core = Arc::downgrade(&self.state.core);
        let changed = Arc::clone(&self.state.changed);
        tokio::spawn(async move {
            loop {
                let deadline = {
                    let Some(core) = core.upgrade() else { return };
                    let core = core.lock().unwrap_or_else(PoisonError::into_inner);
                    core.next_deadline()
                };
                match deadline {
                    // A ping may move the deadline later; waking early just re-reads it.
                    Some(deadline) => tokio::select! {
                        () = tokio::time::sleep_until(deadline.into()) => {}
                        () = changed.notified() => {}
                    },
                    None => changed.notified().await,
                }
                let Some(core) = core.upgrade() else { return };
                let now = tokio::time::Instant::now().into_std();
                let mut core = core.lock().unwrap_or_else(PoisonError::into_inner);
                if core.expire_if_due(now) {
                    tracing::info!(
                        "SRS emulator: session timed out without a ping; recording stopped"
                    );
                }
            }
        })
    }
}

/// A running emulator: its address, scheme and trust root; dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    emulator: Emulator,
    local_addr: SocketAddr,
    root_certificate_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    watchdog: JoinHandle<()>,
}

impl RunningEmulator {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        let scheme = if self.root_certificate_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.local_addr)
    }

    /// PEM of the CA that signed the HTTPS certificate; `None` for plain HTTP.
    pub fn root_certificate_pem(&self) -> Option<&str> {
        self.root_certificate_pem.as_deref()
    }

    /// The emulator, for direct inspection.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// The current session snapshot.
    pub fn snapshot(&self) -> SessionSnapshot {
        self.emulator.snapshot()
    }

    /// Stops accepting requests and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.watchdog.abort();
        // The server task is ours; a join error only means it was aborted or panicked.
        let _ = (&mut self.server).await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.watchdog.abort();
    }
}

/// Binds `config.bind` and serves the emulator. The address is logged at `info` level.
pub async fn serve(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
    serve_on(listener, config).await
}

/// Serves the emulator on an already bound listener (`config.bind` is ignored).
///
/// Each connection is served by hyper's HTTP/1 server with `config.header_read_timeout` for
/// every request head (idle keep-alive connections included; HTTPS handshakes get the same
/// bound), `config.request_timeout` for each whole request (answered `408`), and at most
/// `config.max_connections` connections at once. The `Host` check accepts the bound address
/// besides `config.listen_addrs`.
pub async fn serve_on(
    listener: TcpListener,
    config: EmulatorConfig,
) -> Result<RunningEmulator, EmulatorError> {
    let local_addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
    if !local_addr.ip().is_loopback() {
        tracing::warn!(
            "SRS emulator bound to {local_addr}: real SRS listens on loopback only, and this \
             one has no protection beyond Basic credentials"
        );
    }
    let config = config.with_listen_addr(local_addr);
    let emulator = Emulator::new(&config);
    let (tls, root_certificate_pem) = if config.tls {
        let generated = tls::generate()?;
        (Some(generated.acceptor), Some(generated.root_pem))
    } else {
        (None, None)
    };
    let limits = Limits {
        header_read_timeout: config.header_read_timeout,
        request_timeout: config.request_timeout,
        max_connections: config.max_connections.max(1),
    };
    let app = emulator.router();
    let (shutdown, stop) = watch::channel(false);
    let server = tokio::spawn(accept_loop(listener, app, tls, limits, stop));
    let watchdog = emulator.spawn_watchdog();
    let running = RunningEmulator {
        emulator,
        local_addr,
        root_certificate_pem,
        shutdown,
        server,
        watchdog,
    };
    tracing::info!("SRS emulator listening on {}", running.base_url());
    Ok(running)
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the handle is gone, which stops the server too.
    let _ = stop.wait_for(|stop| *stop).await;
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    header_read_timeout: std::time::Duration,
    request_timeout: std::time::Duration,
    max_connections: usize,
}

/// How long a stop waits for open connections to finish their current request.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

async fn accept_loop(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<tls::Acceptor>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    use tower_http::timeout::TimeoutLayer;

    // The whole request, body reading included, within `request_timeout`.
    let app = app.layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = stopped(&mut stop) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("SRS emulator: accept failed: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let served = match tls {
                None => {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    watcher.watch(builder.serve_connection(io, service)).await
                }
                Some(acceptor) => {
                    let Some(stream) =
                        tls::handshake(&acceptor, stream, peer, limits.header_read_timeout).await
                    else {
                        return;
                    };
                    let io = hyper_util::rt::TokioIo::new(stream);
                    watcher.watch(builder.serve_connection(io, service)).await
                }
            };
            if let Err(err) = served {
                tracing::debug!("SRS emulator: connection from {peer} ended: {err}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::debug!("SRS emulator: connections still open at shutdown were dropped");
        }
    }
}
