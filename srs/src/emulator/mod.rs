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

mod config;
mod core;
mod http;
mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use agentdesk_protocol::srs::SessionSnapshot;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use self::config::{AllowedOrigins, CsrfPolicy, EmulatorConfig, UserAccount};
pub use self::core::{
    LoginGranted, Rejection, RequestAuth, SessionCore, TokenSource, parse_basic, random_tokens,
};
pub use self::http::{
    CONTROL_SESSION_PATH, CONTROL_START_PATH, CONTROL_STOP_PATH, CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE, MAX_BODY_BYTES, SESSION_COOKIE,
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
    let emulator = Emulator::new(&config);
    let app = emulator.router();
    let (shutdown, mut stop) = watch::channel(false);
    let stopped = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    let (server, root_certificate_pem) = if config.tls {
        let generated = tls::generate()?;
        let listener =
            tls::TlsListener::new(listener, generated.server_config).map_err(|source| {
                EmulatorError::Bind {
                    addr: local_addr,
                    source,
                }
            })?;
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!("SRS emulator stopped: {err}");
            }
        });
        (server, Some(generated.root_pem))
    } else {
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!("SRS emulator stopped: {err}");
            }
        });
        (server, None)
    };
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
