//! The SRS client a custom agent desktop uses: login, polling, place switch, fail-over and
//! logout.
//!
//! A [`Session`] is one HTTP session with SRS: it keeps the cookies SRS sets (a cookie jar per
//! session) and the CSRF token of its latest login, and sends them on every request of the
//! session — the token on every `POST` (re-logins and the logout), the cookies on every
//! request. [`SessionChange`] reports what happened to the session through a watch channel.

mod cookies;
mod poll;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::srs::{
    LOGIN_PATH, LoginRequest, OperationRequest, PING_PATH, RECOMMENDED_POLL_INTERVAL,
    SESSION_TIMEOUT, Seat, StatusResponse, X_CSRF_TOKEN, X_SUPPORT_CSRFP,
};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, ORIGIN};
use tokio::sync::{Mutex, watch};

use self::cookies::CookieJar;
pub use self::poll::{PollAction, PollStatus, after_ping};
use crate::{Error, LogoutError};

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

/// What last happened to a [`Session`], as published on [`Session::watch_changes`].
///
/// The channel holds the latest change only; a re-login after a timeout is reported as
/// [`SessionChange::ReLoggedIn`] with [`ReloginReason::AfterTimeout`], so the timeout stays
/// visible even when nobody looked in between. [`Session::poll_status`] keeps the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionChange {
    /// The first login of the session succeeded.
    LoggedIn,
    /// A later login succeeded.
    ReLoggedIn {
        /// Why the session logged in again.
        reason: ReloginReason,
    },
    /// A ping was answered `401` (SRS timed the session out or lost it) and the immediate
    /// re-login failed; SRS records nothing until a later re-login (at the next tick, or an
    /// explicit one) succeeds.
    TimedOut {
        /// Why the re-login failed.
        error: String,
    },
    /// A ping or a re-login failed for another reason (SRS unreachable, refused); the session
    /// is kept and polling tries again at the next tick.
    Failed {
        /// The failure, rendered.
        error: String,
    },
    /// A ping succeeded again after [`SessionChange::Failed`] or [`SessionChange::TimedOut`].
    Recovered,
    /// The logout succeeded; the session is over.
    LoggedOut,
}

/// Why a session logged in again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReloginReason {
    /// [`Session::switch_place`].
    PlaceSwitch,
    /// [`Session::fail_over`] or [`Session::fail_over_to`].
    FailOver,
    /// The poller logged in again after a ping was answered `401`.
    AfterTimeout,
    /// [`Session::login_again`] with a whole new login.
    NewLogin,
}

/// A cheap, cloneable handle for SRS requests. Most desktops call [`SrsClient::login`] and
/// keep the returned [`Session`]; the one-shot calls ([`SrsClient::send_login`],
/// [`SrsClient::ping`], [`SrsClient::send_logout`]) carry no cookies.
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

/// The HTTP session with SRS: its cookies and the CSRF token of its latest login.
#[derive(Debug, Clone, Default)]
struct Conversation {
    cookies: CookieJar,
    csrf_token: Option<String>,
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

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        conversation: &Conversation,
    ) -> reqwest::RequestBuilder {
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
        if let Some(cookies) = conversation
            .cookies
            .header()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            request = request.header(COOKIE, cookies);
        }
        request
    }

    /// Sends a request of `conversation`, storing the cookies of the answer (also of an
    /// error answer). Returns the response and whether it set or removed a cookie.
    async fn send(
        &self,
        method: &'static str,
        path: &'static str,
        request: reqwest::RequestBuilder,
        conversation: &mut Conversation,
    ) -> Result<(reqwest::Response, bool), Error> {
        let response = request.send().await.map_err(|source| Error::Transport {
            method,
            path,
            source,
        })?;
        let new_cookies = conversation.cookies.store(response.headers());
        let status = response.status();
        if status.is_success() {
            return Ok((response, new_cookies));
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

    /// One login in `conversation`. A `POST` login carries the conversation's CSRF token when
    /// it has one. The answer's token replaces the old one; an answer without a token keeps
    /// the old one only if it set no cookie (the same HTTP session goes on).
    async fn login_in(
        &self,
        form: &LoginForm,
        conversation: &mut Conversation,
    ) -> Result<(), Error> {
        let (method, request) = match form {
            LoginForm::Get => (
                "GET",
                self.request(reqwest::Method::GET, LOGIN_PATH, conversation),
            ),
            LoginForm::Configured(login) => {
                let mut request = self
                    .request(reqwest::Method::POST, LOGIN_PATH, conversation)
                    .header(CONTENT_TYPE, "application/json")
                    .json(&login.to_configuration());
                if let Some(token) = &conversation.csrf_token {
                    request = request.header(X_CSRF_TOKEN, token);
                }
                ("POST", request)
            }
        };
        let request = if self.inner.config.csrf {
            request.header(X_SUPPORT_CSRFP, "true")
        } else {
            request
        };
        let (response, new_session) = self.send(method, LOGIN_PATH, request, conversation).await?;
        let token = response
            .headers()
            .get(X_CSRF_TOKEN)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if token.is_some() || new_session || !self.inner.config.csrf {
            conversation.csrf_token = token;
        }
        Ok(())
    }

    async fn ping_in(&self, conversation: &mut Conversation) -> Result<(), Error> {
        let request = self.request(reqwest::Method::GET, PING_PATH, conversation);
        self.send("GET", PING_PATH, request, conversation)
            .await
            .map(drop)
    }

    async fn logout_in(&self, conversation: &mut Conversation) -> Result<(), Error> {
        let mut request = self
            .request(reqwest::Method::POST, LOGIN_PATH, conversation)
            .header(CONTENT_TYPE, "application/json")
            .json(&OperationRequest::end_contact_center_session());
        if let Some(token) = &conversation.csrf_token {
            request = request.header(X_CSRF_TOKEN, token);
        }
        self.send("POST", LOGIN_PATH, request, conversation)
            .await
            .map(drop)
    }

    /// Sends one login outside any session (no cookies); returns the CSRF token SRS issued,
    /// if any.
    pub async fn send_login(&self, form: &LoginForm) -> Result<Option<String>, Error> {
        let mut conversation = Conversation::default();
        self.login_in(form, &mut conversation).await?;
        Ok(conversation.csrf_token)
    }

    /// One `GET /ping` outside any session (Basic credentials only).
    pub async fn ping(&self) -> Result<(), Error> {
        self.ping_in(&mut Conversation::default()).await
    }

    /// One logout (`EndContactCenterSession`) outside any session (no cookies), with
    /// `csrf_token` if given. [`Session::logout`] is the logout of a session.
    pub async fn send_logout(&self, csrf_token: Option<&str>) -> Result<(), Error> {
        let mut conversation = Conversation {
            csrf_token: csrf_token.map(str::to_owned),
            ..Conversation::default()
        };
        self.logout_in(&mut conversation).await
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
        let mut conversation = Conversation::default();
        self.login_in(&form, &mut conversation).await?;
        let (status, status_rx) = watch::channel(PollStatus::default());
        let (changes, changes_rx) = watch::channel(SessionChange::LoggedIn);
        let shared = Arc::new(SessionShared {
            client: self.clone(),
            state: Mutex::new(LoginState {
                form,
                conversation,
                ended: false,
            }),
            status,
            changes,
        });
        let poller = tokio::spawn(poll::run(
            Arc::downgrade(&shared),
            self.inner.config.poll_interval,
        ));
        Ok(Session {
            shared,
            poller,
            status: status_rx,
            changes: changes_rx,
        })
    }
}

#[derive(Debug)]
struct LoginState {
    form: LoginForm,
    conversation: Conversation,
    /// Set by a successful logout, so a poller that was waiting for the lock does nothing.
    ended: bool,
}

#[derive(Debug)]
struct SessionShared {
    client: SrsClient,
    /// Held across each request so polling, place switches and logout never interleave.
    state: Mutex<LoginState>,
    status: watch::Sender<PollStatus>,
    changes: watch::Sender<SessionChange>,
}

impl SessionShared {
    /// Logs in again in the session's HTTP session; on success `form` becomes the login in
    /// use. Publishes the outcome.
    async fn relogin(
        &self,
        state: &mut LoginState,
        form: LoginForm,
        reason: ReloginReason,
    ) -> Result<(), Error> {
        match self.client.login_in(&form, &mut state.conversation).await {
            Ok(()) => {
                state.form = form;
                self.changes
                    .send_replace(SessionChange::ReLoggedIn { reason });
                Ok(())
            }
            Err(err) => {
                let error = err.to_string();
                self.changes
                    .send_replace(if reason == ReloginReason::AfterTimeout {
                        SessionChange::TimedOut { error }
                    } else {
                        SessionChange::Failed { error }
                    });
                Err(err)
            }
        }
    }

    fn configured(state: &LoginState, missing: Error) -> Result<&LoginRequest, Error> {
        match &state.form {
            LoginForm::Configured(login) => Ok(login),
            LoginForm::Get => Err(missing),
        }
    }
}

/// A logged-in SRS session with its background ping. Dropping it stops the polling (SRS then
/// times the session out); [`Session::logout`] ends it explicitly.
#[derive(Debug)]
pub struct Session {
    shared: Arc<SessionShared>,
    poller: tokio::task::JoinHandle<()>,
    status: watch::Receiver<PollStatus>,
    changes: watch::Receiver<SessionChange>,
}

impl Session {
    /// The CSRF token of the current login, if SRS issued one.
    pub async fn csrf_token(&self) -> Option<String> {
        self.shared
            .state
            .lock()
            .await
            .conversation
            .csrf_token
            .clone()
    }

    /// The cookies SRS set for this session, by name.
    pub async fn cookies(&self) -> BTreeMap<String, String> {
        self.shared.state.lock().await.conversation.cookies.to_map()
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

    /// What last happened to the session.
    pub fn last_change(&self) -> SessionChange {
        self.changes.borrow().clone()
    }

    /// A receiver notified at every [`SessionChange`]: logged in, re-logged in (and why),
    /// timed out, failed, recovered, logged out.
    pub fn watch_changes(&self) -> watch::Receiver<SessionChange> {
        self.changes.clone()
    }

    /// The agent moved to another place: logs in again with the current `server` and
    /// `peer_server` (also after a fail-over) and the new seat, so SRS monitors the new place.
    /// Later pings and re-logins use the new login.
    pub async fn switch_place(&self, seat: Seat) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        let login = SessionShared::configured(&state, Error::NoServerToKeep)?
            .clone()
            .with_seat(seat);
        self.shared
            .relogin(
                &mut state,
                LoginForm::Configured(login),
                ReloginReason::PlaceSwitch,
            )
            .await
    }

    /// Logs in again with a whole new login (another `server`, seat and `peer_server`), in the
    /// same HTTP session.
    pub async fn login_again(&self, login: LoginRequest) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        self.shared
            .relogin(
                &mut state,
                LoginForm::Configured(login),
                ReloginReason::NewLogin,
            )
            .await
    }

    /// Disaster recovery: logs in again with the login's `peer_server` as `server` (the old
    /// `server` becomes `peer_server`).
    pub async fn fail_over(&self) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        let login = SessionShared::configured(&state, Error::NoServerToReplace)?;
        let peer = login.peer_server.clone().ok_or(Error::NoPeerServer)?;
        let form = LoginForm::Configured(login.fail_over_to(peer)?);
        self.shared
            .relogin(&mut state, form, ReloginReason::FailOver)
            .await
    }

    /// Disaster recovery to an explicit RWS URL in the recovery data centre.
    pub async fn fail_over_to(&self, recovery_server: impl Into<String>) -> Result<(), Error> {
        let mut state = self.shared.state.lock().await;
        let login = SessionShared::configured(&state, Error::NoServerToReplace)?;
        let form = LoginForm::Configured(login.fail_over_to(recovery_server)?);
        self.shared
            .relogin(&mut state, form, ReloginReason::FailOver)
            .await
    }

    /// Sends `EndContactCenterSession` with the session's cookies and CSRF token, then stops
    /// polling. When SRS does not accept the logout, the session comes back in the error,
    /// still logged in and polling, so the desktop can retry.
    pub async fn logout(self) -> Result<(), LogoutError> {
        let result = {
            let mut state = self.shared.state.lock().await;
            let result = self.shared.client.logout_in(&mut state.conversation).await;
            if result.is_ok() {
                // Still under the lock: the poller cannot slip a ping or re-login in.
                state.ended = true;
                self.poller.abort();
                self.shared.changes.send_replace(SessionChange::LoggedOut);
            }
            result
        };
        match result {
            Ok(()) => Ok(()),
            Err(error) => Err(LogoutError {
                error,
                session: self,
            }),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.poller.abort();
    }
}
