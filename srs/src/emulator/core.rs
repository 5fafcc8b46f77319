//! The emulator's session logic, free of I/O: every method takes the current time and returns
//! a decision, so the 60 s timeout is exact under any clock.

use std::time::{Duration, Instant};

use agentdesk_protocol::srs::{
    CSRF_REJECTION, Device, LoginConfiguration, LoginSettings, Place, RecordingState,
    SessionSnapshot, SessionState, StopReason, X_CSRF_TOKEN, X_SUPPORT_CSRFP, check_hot_seat,
};
use base64::Engine as _;

use super::config::{CsrfPolicy, UserAccount};
use super::http::SESSION_COOKIE;

/// Why a request is refused; the HTTP edge maps each kind to its status code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// 400: the request itself is malformed or names unknown configuration.
    BadRequest(String),
    /// 401: missing or wrong credentials, or no live session.
    Unauthorized(String),
    /// 403: CSRF token or origin check failed.
    Forbidden(String),
    /// 409: a control request that does not fit the current state.
    Conflict(String),
}

impl Rejection {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::Conflict(_) => 409,
        }
    }

    /// The explanation sent to the peer.
    pub fn message(&self) -> &str {
        match self {
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::Conflict(m) => m,
        }
    }
}

/// What a successful login hands back to the desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginGranted {
    /// The session's CSRF token, when the login asked for CSRF protection.
    pub csrf_token: Option<String>,
    /// Value of the session cookie, which may replace `Authorization` on later requests.
    pub session_cookie: String,
}

/// The credentials and CSRF header a request carried, as raw header values.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct RequestAuth<'a> {
    /// `Authorization` header.
    pub authorization: Option<&'a str>,
    /// Value of the session cookie, if the `Cookie` header carried it.
    pub session_cookie: Option<&'a str>,
    /// `X-CSRF-Token` header.
    pub csrf_token: Option<&'a str>,
}

/// Produces session cookies and CSRF tokens.
pub type TokenSource = Box<dyn FnMut() -> String + Send>;

/// A token source that is hard to guess: 128 bits from the standard library's per-process
/// random hash keys, mixed with a counter.
pub fn random_tokens() -> TokenSource {
    use std::hash::{BuildHasher, Hasher};
    let keys = std::collections::hash_map::RandomState::new();
    let mut counter: u64 = 0;
    Box::new(move || {
        let mut word = |salt: u64| {
            counter += 1;
            let mut hasher = keys.build_hasher();
            hasher.write_u64(counter);
            hasher.write_u64(salt);
            hasher.finish()
        };
        let (high, low) = (word(1), word(2));
        format!("{high:016x}{low:016x}")
    })
}

#[derive(Debug)]
struct Session {
    user: String,
    server: Option<String>,
    peer_server: Option<String>,
    place: Option<String>,
    devices: Vec<Device>,
    csrf_token: Option<String>,
    cookie: String,
    phase: Phase,
}

/// Where a session stands; the session's details stay readable after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Polled in time; times out at the deadline.
    Live { deadline: Instant },
    /// No ping arrived in time.
    Expired,
    /// Ended by the logout.
    LoggedOut,
}

/// The state of one emulated SRS: at most one agent session and one recording.
pub struct SessionCore {
    users: Vec<UserAccount>,
    places: Vec<Place>,
    csrf: CsrfPolicy,
    timeout: Duration,
    tokens: TokenSource,
    session: Option<Session>,
    recording: RecordingState,
    last_stop_reason: Option<StopReason>,
    logins: u64,
    pings: u64,
}

impl std::fmt::Debug for SessionCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCore")
            .field("session", &self.session)
            .field("recording", &self.recording)
            .finish_non_exhaustive()
    }
}

impl SessionCore {
    /// A core with no session.
    pub fn new(
        users: Vec<UserAccount>,
        places: Vec<Place>,
        csrf: CsrfPolicy,
        timeout: Duration,
        tokens: TokenSource,
    ) -> Self {
        Self {
            users,
            places,
            csrf,
            timeout,
            tokens,
            session: None,
            recording: RecordingState::Idle,
            last_stop_reason: None,
            logins: 0,
            pings: 0,
        }
    }

    /// When the live session times out, if there is one; the edge may wake up then and call
    /// [`SessionCore::expire_if_due`] so the expiry is logged on time.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.session.as_ref()?.phase {
            Phase::Live { deadline } => Some(deadline),
            Phase::Expired | Phase::LoggedOut => None,
        }
    }

    /// Ends the live session if its timeout has passed, stopping any recording. Returns whether
    /// it expired now.
    pub fn expire_if_due(&mut self, now: Instant) -> bool {
        let Some(session) = &mut self.session else {
            return false;
        };
        match session.phase {
            Phase::Live { deadline } if now >= deadline => {
                session.phase = Phase::Expired;
                self.stop_recording_because(StopReason::Timeout);
                true
            }
            _ => false,
        }
    }

    fn stop_recording_because(&mut self, reason: StopReason) {
        if self.recording == RecordingState::Recording {
            self.recording = RecordingState::Idle;
            self.last_stop_reason = Some(reason);
        }
    }

    fn live_session(&self) -> Option<&Session> {
        self.session
            .as_ref()
            .filter(|session| matches!(session.phase, Phase::Live { .. }))
    }

    /// Checks Basic credentials against the configured users.
    fn authenticate_basic(&self, authorization: Option<&str>) -> Result<&UserAccount, Rejection> {
        let Some(header) = authorization else {
            return Err(Rejection::Unauthorized(
                "missing Authorization header; send `Authorization: Basic base64(user:password)`"
                    .into(),
            ));
        };
        let (username, password) = parse_basic(header).map_err(Rejection::Unauthorized)?;
        self.users
            .iter()
            .find(|user| user.username == username && user.password == password)
            .ok_or_else(|| {
                Rejection::Unauthorized(format!(
                    "unknown user {username:?} or wrong password (Basic credentials)"
                ))
            })
    }

    /// Accepts the session cookie or the session user's Basic credentials.
    fn authenticate_session(&self, auth: &RequestAuth<'_>) -> Result<(), Rejection> {
        let Some(session) = self
            .session
            .as_ref()
            .filter(|s| s.phase != Phase::LoggedOut)
        else {
            return Err(Rejection::Unauthorized(
                "no SRS session: log in with GET or POST /api/v2/me first".into(),
            ));
        };
        if auth.session_cookie == Some(session.cookie.as_str()) {
            return Ok(());
        }
        let user = self.authenticate_basic(auth.authorization)?;
        if user.username == session.user {
            Ok(())
        } else {
            Err(Rejection::Unauthorized(format!(
                "user {:?} does not own the SRS session (logged in as {:?})",
                user.username, session.user
            )))
        }
    }

    /// A login (`GET /api/v2/me` when `configuration` is `None`, otherwise the POST form).
    pub fn login(
        &mut self,
        now: Instant,
        auth: &RequestAuth<'_>,
        csrf_requested: bool,
        configuration: Option<&LoginConfiguration>,
    ) -> Result<LoginGranted, Rejection> {
        self.expire_if_due(now);
        let user = self.authenticate_basic(auth.authorization)?.clone();
        let (server, peer_server, requested_place, requested_devices) = match configuration {
            Some(configuration) => {
                let settings = LoginSettings::from_configuration(configuration)
                    .map_err(|err| Rejection::BadRequest(err.to_string()))?;
                (
                    Some(settings.server),
                    settings.peer_server,
                    settings.place,
                    settings.devices,
                )
            }
            None => (None, None, None, Vec::new()),
        };
        let (place, devices) = match requested_place {
            Some(name) => {
                let place = self.place(&name)?;
                check_hot_seat(place, &requested_devices)
                    .map_err(|err| Rejection::BadRequest(err.to_string()))?;
                let devices = if requested_devices.is_empty() {
                    place.devices.clone()
                } else {
                    requested_devices
                };
                (Some(name), devices)
            }
            None => match &user.default_place {
                Some(name) => (Some(name.clone()), self.place(name)?.devices.clone()),
                None => (None, Vec::new()),
            },
        };
        if configuration.is_some() && self.csrf == CsrfPolicy::Strict {
            self.check_strict_post_login(auth)?;
        }
        let csrf_token = match (self.csrf, csrf_requested) {
            (CsrfPolicy::Disabled, _) => None,
            (CsrfPolicy::Required, false) => {
                return Err(Rejection::Forbidden(format!(
                    "this SRS requires CSRF protection: send `{X_SUPPORT_CSRFP}: true` on login"
                )));
            }
            (_, true) => Some((self.tokens)()),
            (CsrfPolicy::WhenRequested | CsrfPolicy::Strict, false) => None,
        };
        if self
            .session
            .as_ref()
            .is_some_and(|session| session.user != user.username)
        {
            self.stop_recording_because(StopReason::UserChanged);
        }
        let cookie = (self.tokens)();
        self.session = Some(Session {
            user: user.username,
            server,
            peer_server,
            place,
            devices,
            csrf_token: csrf_token.clone(),
            cookie: cookie.clone(),
            phase: Phase::Live {
                deadline: now + self.timeout,
            },
        });
        self.logins += 1;
        Ok(LoginGranted {
            csrf_token,
            session_cookie: cookie,
        })
    }

    /// Strict mode, `POST` login: the cookie of a session with a token calls for that token.
    /// A login without the cookie, or with a cookie that names no current session, starts a
    /// new HTTP session and is not checked (a login must work after the session is gone).
    fn check_strict_post_login(&self, auth: &RequestAuth<'_>) -> Result<(), Rejection> {
        let Some(session) = self
            .session
            .as_ref()
            .filter(|s| s.phase != Phase::LoggedOut)
            .filter(|s| auth.session_cookie == Some(s.cookie.as_str()))
        else {
            return Ok(());
        };
        match &session.csrf_token {
            Some(expected) => check_token(expected, auth.csrf_token),
            None => Ok(()),
        }
    }

    fn place(&self, name: &str) -> Result<&Place, Rejection> {
        self.places
            .iter()
            .find(|place| place.name == name)
            .ok_or_else(|| {
                Rejection::BadRequest(format!(
                    "`place` {name:?} is not a configured place; configured: {:?}",
                    self.places
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                ))
            })
    }

    /// `GET /ping`: restarts the timeout of a live session.
    pub fn ping(&mut self, now: Instant, auth: &RequestAuth<'_>) -> Result<(), Rejection> {
        self.expire_if_due(now);
        self.authenticate_session(auth)?;
        let timeout = self.timeout;
        match self.session.as_mut() {
            Some(session) if matches!(session.phase, Phase::Live { .. }) => {
                session.phase = Phase::Live {
                    deadline: now + timeout,
                };
                self.pings += 1;
                Ok(())
            }
            _ => Err(Rejection::Unauthorized(format!(
                "the SRS session timed out: no ping for {} s; log in again",
                timeout.as_secs()
            ))),
        }
    }

    /// The `EndContactCenterSession` logout. Without a live session there is nothing to end
    /// and the answer is success; a live session that negotiated CSRF needs its token.
    pub fn logout(&mut self, now: Instant, auth: &RequestAuth<'_>) -> Result<(), Rejection> {
        self.expire_if_due(now);
        self.authenticate_session(auth)?;
        if let Some(session) = self.live_session()
            && let Some(expected) = session.csrf_token.as_deref()
        {
            check_token(expected, auth.csrf_token)?;
            if self.csrf == CsrfPolicy::Strict
                && auth.session_cookie != Some(session.cookie.as_str())
            {
                return Err(Rejection::Forbidden(format!(
                    "{CSRF_REJECTION}: the token is bound to the HTTP session of the \
                     `{SESSION_COOKIE}` cookie, and the request carries {}; send the cookie \
                     from the login response with the token",
                    if auth.session_cookie.is_some() {
                        "another session's cookie"
                    } else {
                        "no session cookie"
                    }
                )));
            }
        }
        if let Some(session) = &mut self.session {
            session.phase = Phase::LoggedOut;
            session.csrf_token = None;
        }
        self.stop_recording_because(StopReason::Logout);
        Ok(())
    }

    /// RWS starts a screen recording: only while a session is live (after the timeout SRS
    /// refuses start requests from RWS).
    pub fn start_recording(&mut self, now: Instant) -> Result<(), Rejection> {
        self.expire_if_due(now);
        if self.live_session().is_none() {
            return Err(Rejection::Conflict(
                "SRS refuses to record: no live agent session (log in and keep polling)".into(),
            ));
        }
        if self.recording == RecordingState::Recording {
            return Err(Rejection::Conflict("a recording is already running".into()));
        }
        self.recording = RecordingState::Recording;
        Ok(())
    }

    /// RWS stops the screen recording.
    pub fn stop_recording(&mut self, now: Instant) -> Result<(), Rejection> {
        self.expire_if_due(now);
        if self.recording != RecordingState::Recording {
            return Err(Rejection::Conflict("no recording is running".into()));
        }
        self.stop_recording_because(StopReason::Rws);
        Ok(())
    }

    /// The inspection view.
    pub fn snapshot(&mut self, now: Instant) -> SessionSnapshot {
        self.expire_if_due(now);
        let session = self.session.as_ref();
        let (state, expires_in_ms) = match session.map(|s| s.phase) {
            Some(Phase::Live { deadline }) => (
                SessionState::LoggedIn,
                Some(
                    u64::try_from(deadline.saturating_duration_since(now).as_millis())
                        .unwrap_or(u64::MAX),
                ),
            ),
            Some(Phase::Expired) => (SessionState::Expired, None),
            Some(Phase::LoggedOut) | None => (SessionState::LoggedOut, None),
        };
        let mut snapshot = SessionSnapshot::new(state, self.recording.clone());
        snapshot.user = session.map(|s| s.user.clone());
        snapshot.server = session.and_then(|s| s.server.clone());
        snapshot.peer_server = session.and_then(|s| s.peer_server.clone());
        snapshot.place = session.and_then(|s| s.place.clone());
        snapshot.devices = session.map(|s| s.devices.clone()).unwrap_or_default();
        snapshot.csrf_protected = session.is_some_and(|s| s.csrf_token.is_some());
        snapshot.last_stop_reason = self.last_stop_reason.clone();
        snapshot.logins = self.logins;
        snapshot.pings = self.pings;
        snapshot.expires_in_ms = expires_in_ms;
        snapshot
    }
}

/// The `X-CSRF-Token` check: 403 with the Genesys Web Services wording when it is missing or
/// different.
fn check_token(expected: &str, sent: Option<&str>) -> Result<(), Rejection> {
    match sent {
        None => Err(Rejection::Forbidden(format!(
            "{CSRF_REJECTION}: the `{X_CSRF_TOKEN}` header is missing; send the token from the \
             login response"
        ))),
        Some(sent) if sent != expected => Err(Rejection::Forbidden(format!(
            "{CSRF_REJECTION}: `{X_CSRF_TOKEN}` does not match the token issued at login"
        ))),
        Some(_) => Ok(()),
    }
}

/// Decodes `Basic base64(user:password)`; the error says what is wrong with the header.
pub fn parse_basic(header: &str) -> Result<(String, String), String> {
    let Some((scheme, encoded)) = header.trim().split_once(' ') else {
        return Err(
            "malformed Authorization header: expected `Basic <base64(user:password)>`".into(),
        );
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(format!(
            "unsupported Authorization scheme {scheme:?}: SRS takes `Basic` credentials"
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|err| format!("Authorization: Basic credentials are not valid base64 ({err})"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| "Authorization: Basic credentials are not UTF-8".to_owned())?;
    let Some((user, password)) = text.split_once(':') else {
        return Err(
            "Authorization: Basic credentials lack the `:` between user and password".into(),
        );
    };
    Ok((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use agentdesk_protocol::srs::{ConfigItem, Device, LoginConfiguration, Place, SessionState};

    use super::*;

    const BASIC: &str = "Basic YWdlbnQ6c2VjcmV0"; // agent:secret

    fn core(csrf: CsrfPolicy) -> SessionCore {
        let mut counter = 0;
        SessionCore::new(
            vec![UserAccount::new("agent", "secret").with_default_place("P1")],
            vec![Place::new("P1", vec![Device::new("1", "S")])],
            csrf,
            Duration::from_secs(60),
            Box::new(move || {
                counter += 1;
                format!("token-{counter}")
            }),
        )
    }

    fn basic() -> RequestAuth<'static> {
        RequestAuth {
            authorization: Some(BASIC),
            ..RequestAuth::default()
        }
    }

    #[test]
    fn the_timeout_is_exact_and_every_ping_restarts_it() {
        let start = Instant::now();
        let mut core = core(CsrfPolicy::WhenRequested);
        core.login(start, &basic(), false, None).unwrap();
        assert_eq!(core.next_deadline(), Some(start + Duration::from_secs(60)));
        let at = |secs| start + Duration::from_secs(secs);
        core.ping(at(59), &basic()).unwrap();
        assert!(!core.expire_if_due(at(118)));
        assert!(core.expire_if_due(at(119)));
        assert_eq!(core.next_deadline(), None);
        assert!(matches!(
            core.ping(at(119), &basic()),
            Err(Rejection::Unauthorized(_))
        ));
        assert_eq!(core.snapshot(at(120)).state, SessionState::Expired);
    }

    #[test]
    fn the_session_cookie_replaces_credentials_until_logout() {
        let now = Instant::now();
        let mut core = core(CsrfPolicy::WhenRequested);
        let grant = core.login(now, &basic(), true, None).unwrap();
        assert_eq!(grant.csrf_token.as_deref(), Some("token-1"));
        let cookie = RequestAuth {
            session_cookie: Some(&grant.session_cookie),
            csrf_token: Some("token-1"),
            ..RequestAuth::default()
        };
        core.ping(now, &cookie).unwrap();
        core.logout(now, &cookie).unwrap();
        assert_eq!(core.snapshot(now).state, SessionState::LoggedOut);
        // After the logout the cookie is worthless, and a second logout has nothing to end.
        assert!(matches!(
            core.ping(now, &cookie),
            Err(Rejection::Unauthorized(_))
        ));
        assert!(core.logout(now, &basic()).is_err());
    }

    #[test]
    fn configured_logins_fill_in_the_single_dn_of_a_place() {
        let now = Instant::now();
        let mut core = core(CsrfPolicy::Disabled);
        let configuration = LoginConfiguration::new(vec![
            ConfigItem::Server("https://rws".into()),
            ConfigItem::Place("P1".into()),
        ]);
        let grant = core
            .login(now, &basic(), true, Some(&configuration))
            .unwrap();
        assert_eq!(grant.csrf_token, None, "CSRF disabled");
        let snapshot = core.snapshot(now);
        assert_eq!(snapshot.devices, vec![Device::new("1", "S")]);
        assert_eq!(snapshot.server.as_deref(), Some("https://rws"));
    }

    #[test]
    fn strict_csrf_binds_the_token_to_the_cookie() {
        let now = Instant::now();
        let mut core = core(CsrfPolicy::Strict);
        let configuration = LoginConfiguration::new(vec![ConfigItem::Server("https://rws".into())]);
        let grant = core
            .login(now, &basic(), true, Some(&configuration))
            .unwrap();
        let in_session = |token| RequestAuth {
            authorization: Some(BASIC),
            session_cookie: Some("token-2"),
            csrf_token: token,
        };
        assert_eq!(grant.session_cookie, "token-2");
        // A POST login inside the session needs its token; a GET login is not checked.
        assert!(matches!(
            core.login(now, &in_session(None), true, Some(&configuration)),
            Err(Rejection::Forbidden(_))
        ));
        core.login(now, &in_session(None), true, None).unwrap();
        // That login rotated cookie and token: token-3 and token-4.
        let auth = RequestAuth {
            authorization: Some(BASIC),
            session_cookie: None,
            csrf_token: Some("token-3"),
        };
        let refused = core.logout(now, &auth).unwrap_err();
        assert!(
            refused.message().contains("bound to the HTTP session"),
            "{refused:?}"
        );
        let auth = RequestAuth {
            session_cookie: Some("token-4"),
            ..auth
        };
        core.logout(now, &auth).unwrap();
        assert_eq!(core.snapshot(now).state, SessionState::LoggedOut);
    }

    #[test]
    fn basic_credentials_are_parsed_strictly() {
        assert_eq!(
            parse_basic("basic YWdlbnQ6c2VjcmV0"),
            Ok(("agent".into(), "secret".into()))
        );
        assert_eq!(parse_basic("Basic OnB3"), Ok((String::new(), "pw".into())));
        assert!(parse_basic("Basic").is_err());
        assert!(parse_basic("Basic //8=").unwrap_err().contains("UTF-8"));
    }
}
