//! The SRS client a custom agent desktop uses: login, polling, place switch, fail-over and
//! logout.

mod poll;

use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::srs::{
    LOGIN_PATH, LoginRequest, OperationRequest, PING_PATH, RECOMMENDED_POLL_INTERVAL,
    SESSION_TIMEOUT, StatusResponse, X_CSRF_TOKEN, X_SUPPORT_CSRFP,
};
use reqwest::header::{CONTENT_TYPE, HeaderValue, ORIGIN};
use tokio::sync::{Mutex, watch};

pub use self::poll::{PollAction, PollStatus, after_ping};
use crate::Error;

/// How to reach SRS and who logs in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`: the same scheme the desktop
    /// uses towards its own back end.
    pub base_url: String,
    /// Agent user name (SRS validates it through RWS; SSO is not supported).
    pub username: String,
    /// Agent password.
    pub password: String,
    /// `Origin` sent on every request, as a browser desktop would; `None` sends none.
    pub origin: Option<String>,
    /// Ask for CSRF protection on login (`X-Support-CSRFP: true`).
    pub csrf: bool,
    /// Period of the background ping; must be shorter than the 60 s SRS timeout.
    pub poll_interval: Duration,
    /// PEM of the only root certificate to trust for HTTPS (for example the emulator's);
    /// `None` uses the platform's roots.
    pub root_certificate_pem: Option<Vec<u8>>,
    /// Limit for each request; `None` waits as long as the connection lives. Under tokio's
    /// paused test clock, use `None`: virtual time may jump while a loopback request is in
    /// flight.
    pub request_timeout: Option<Duration>,
}

impl ClientConfig {
    /// A configuration with CSRF on, a 30 s ping and a 10 s request timeout.
    pub fn new(
        base_url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            username: username.into(),
            password: password.into(),
            origin: None,
            csrf: true,
            poll_interval: RECOMMENDED_POLL_INTERVAL,
            root_certificate_pem: None,
            request_timeout: Some(Duration::from_secs(10)),
        }
    }

    /// Sets the `Origin` header.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Trusts only this root certificate (PEM) for HTTPS.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificate_pem = Some(pem.into());
        self
    }

    /// Turns CSRF protection on or off.
    pub fn with_csrf(mut self, csrf: bool) -> Self {
        self.csrf = csrf;
        self
    }

    /// Sets the polling period.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets or clears the per-request timeout.
    pub fn with_request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// Which login form to send (and to repeat when the session must be re-established).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginForm {
    /// `GET /api/v2/me`: the agent's default place, with SRS's own RWS address.
    Get,
    /// `POST /api/v2/me` with a configuration array.
    Configured(LoginRequest),
}

/// A cheap, cloneable handle for SRS requests. Most desktops call [`SrsClient::login`] and
/// keep the returned [`Session`].
#[derive(Debug, Clone)]
pub struct SrsClient {
    inner: Arc<ClientInner>,
}

#[derive(Debug)]
struct ClientInner {
    http: reqwest::Client,
    base_url: String,
    config: ClientConfig,
}

impl SrsClient {
    /// Checks `config` and builds the HTTP client (rustls; no OpenSSL).
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::Config {
                field: "base_url",
                problem: format!(
                    "must start with http:// or https://, such as \"https://127.0.0.1:8443\"; \
                     got {base_url:?}"
                ),
            });
        }
        if config.poll_interval.is_zero() || config.poll_interval >= SESSION_TIMEOUT {
            return Err(Error::Config {
                field: "poll_interval",
                problem: format!(
                    "must be above zero and below the {} s SRS timeout (30 s recommended); got \
                     {:?}",
                    SESSION_TIMEOUT.as_secs(),
                    config.poll_interval
                ),
            });
        }
        let mut builder = reqwest::Client::builder();
        if let Some(timeout) = config.request_timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(pem) = &config.root_certificate_pem {
            if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(Error::Config {
                    field: "root_certificate_pem",
                    problem: "holds no `-----BEGIN CERTIFICATE-----` block; pass the PEM text \
                              of the root certificate"
                        .into(),
                });
            }
            let root = reqwest::Certificate::from_pem(pem).map_err(|err| Error::Config {
                field: "root_certificate_pem",
                problem: format!("is not a PEM certificate: {err}"),
            })?;
            builder = builder.tls_certs_only([root]);
        }
        let http = builder.build().map_err(|err| Error::Config {
            field: "base_url",
            problem: format!("the HTTP client could not be built: {err}"),
        })?;
        Ok(Self {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                config,
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let config = &self.inner.config;
        let mut request = self
            .inner
            .http
            .request(method, format!("{}{path}", self.inner.base_url))
            .basic_auth(&config.username, Some(&config.password));
        if let Some(origin) = config
            .origin
            .as_deref()
            .and_then(|o| HeaderValue::from_str(o).ok())
        {
            request = request.header(ORIGIN, origin);
        }
        request
    }

    async fn send(
        &self,
        method: &'static str,
        path: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Error> {
        let response = request.send().await.map_err(|source| Error::Transport {
            method,
            path,
            source,
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<StatusResponse>(&body)
            .ok()
            .and_then(|status| status.status_message)
            .unwrap_or_else(|| body.clone());
        Err(Error::Http {
            method,
            path,
            status: status.as_u16(),
            body,
            message,
        })
    }

    /// Sends one login; returns the CSRF token SRS issued, if any.
    pub async fn send_login(&self, form: &LoginForm) -> Result<Option<String>, Error> {
        let (method, request) = match form {
            LoginForm::Get => ("GET", self.request(reqwest::Method::GET, LOGIN_PATH)),
            LoginForm::Configured(login) => (
                "POST",
                self.request(reqwest::Method::POST, LOGIN_PATH)
                    .header(CONTENT_TYPE, "application/json")
                    .json(&login.to_configuration()),
            ),
        };
        let request = if self.inner.config.csrf {
            request.header(X_SUPPORT_CSRFP, "true")
        } else {
            request
        };
        let response = self.send(method, LOGIN_PATH, request).await?;
        Ok(response
            .headers()
            .get(X_CSRF_TOKEN)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned))
    }

    /// One `GET /ping`.
    pub async fn ping(&self) -> Result<(), Error> {
        let request = self.request(reqwest::Method::GET, PING_PATH);
        self.send("GET", PING_PATH, request).await.map(drop)
    }

    /// One logout (`EndContactCenterSession`), with the session's CSRF token if it has one.
    pub async fn send_logout(&self, csrf_token: Option<&str>) -> Result<(), Error> {
        let mut request = self
            .request(reqwest::Method::POST, LOGIN_PATH)
            .json(&OperationRequest::end_contact_center_session());
        if let Some(token) = csrf_token {
            request = request.header(X_CSRF_TOKEN, token);
        }
        self.send("POST", LOGIN_PATH, request).await.map(drop)
    }

    /// Logs in with configuration (hot seating or default place, checked when the
    /// [`LoginRequest`] was built) and starts polling.
    pub async fn login(&self, login: LoginRequest) -> Result<Session, Error> {
        self.start_session(LoginForm::Configured(login)).await
    }

    /// Logs in with `GET /api/v2/me` (default place, SRS's own RWS) and starts polling.
    pub async fn login_default(&self) -> Result<Session, Error> {
        self.start_session(LoginForm::Get).await
    }

    async fn start_session(&self, form: LoginForm) -> Result<Session, Error> {
        let csrf_token = self.send_login(&form).await?;
        let (status, status_rx) = watch::channel(PollStatus::default());
        let shared = Arc::new(SessionShared {
            client: self.clone(),
            state: Mutex::new(LoginState { form, csrf_token }),
            status,
        });
        let poller = tokio::spawn(poll::run(
            Arc::downgrade(&shared),
            self.inner.config.poll_interval,
        ));
        Ok(Session {
            shared,
            poller,
            status: status_rx,
        })
    }
}

#[derive(Debug)]
struct LoginState {
    form: LoginForm,
    csrf_token: Option<String>,
}

#[derive(Debug)]
struct SessionShared {
    client: SrsClient,
    /// Held across each request so polling, place switches and logout never interleave.
    state: Mutex<LoginState>,
    status: watch::Sender<PollStatus>,
}

impl SessionShared {
    async fn relogin(&self, state: &mut LoginState, form: LoginForm) -> Result<(), Error> {
        let token = self.client.send_login(&form).await?;
        state.form = form;
        state.csrf_token = token;
        Ok(())
    }
}

/// A logged-in SRS session with its background ping. Dropping it stops the polling (SRS then
/// times the session out); [`Session::logout`] ends it explicitly.
#[derive(Debug)]
pub struct Session {
    shared: Arc<SessionShared>,
    poller: tokio::task::JoinHandle<()>,
    status: watch::Receiver<PollStatus>,
}

impl Session {
    /// The CSRF token of the current login, if SRS issued one.
    pub async fn csrf_token(&self) -> Option<String> {
        self.shared.state.lock().await.csrf_token.clone()
    }

    /// The login form currently in use.
    pub async fn login_form(&self) -> LoginForm {
        self.shared.state.lock().await.form.clone()
    }

    /// Counters of the background polling.
    pub fn poll_status(&self) -> PollStatus {
        self.status.borrow().clone()
    }

    /// A receiver that changes after every poll.
    pub fn watch_poll_status(&self) -> watch::Receiver<PollStatus> {
        self.status.clone()
    }

    /// The agent moved to another place: logs in again so SRS monitors the new place. Later
    /// pings and re-logins use the new login.
    pub async fn switch_place(&self, login: LoginRequest) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        self.shared
            .relogin(&mut state, LoginForm::Configured(login))
            .await
    }

    /// Disaster recovery: logs in again with the login's `peer_server` as `server` (the old
    /// `server` becomes `peer_server`).
    pub async fn fail_over(&self) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        let LoginForm::Configured(login) = &state.form else {
            return Err(Error::NoServerToReplace);
        };
        let peer = login.peer_server.clone().ok_or(Error::NoPeerServer)?;
        let form = LoginForm::Configured(login.fail_over_to(peer)?);
        self.shared.relogin(&mut state, form).await
    }

    /// Disaster recovery to an explicit RWS URL in the recovery data centre.
    pub async fn fail_over_to(&self, recovery_server: impl Into<String>) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        let LoginForm::Configured(login) = &state.form else {
            return Err(Error::NoServerToReplace);
        };
        let form = LoginForm::Configured(login.fail_over_to(recovery_server)?);
        self.shared.relogin(&mut state, form).await
    }

    /// Stops polling and sends `EndContactCenterSession` with the CSRF token.
    pub async fn logout(self) -> Result<(), Error> {
        self.poller.abort();
        let state = self.shared.state.lock().await;
        self.shared
            .client
            .send_logout(state.csrf_token.as_deref())
            .await
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.poller.abort();
    }
}
