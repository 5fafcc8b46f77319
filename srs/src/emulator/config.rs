//! What an emulated SRS knows: its users, places, origins and policies.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use agentdesk_protocol::srs::{Place, SESSION_TIMEOUT};

/// An agent account SRS accepts Basic credentials for (standing in for the Configuration
/// Server check RWS performs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserAccount {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The place used when the login names none.
    pub default_place: Option<String>,
}

impl UserAccount {
    /// An account without a default place.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            default_place: None,
        }
    }

    /// Sets the default place.
    pub fn with_default_place(mut self, place: impl Into<String>) -> Self {
        self.default_place = Some(place.into());
        self
    }
}

/// How the emulator treats the `X-Support-CSRFP` / `X-CSRF-Token` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CsrfPolicy {
    /// Issue a token when the login asks for one, and then require it on the logout
    /// (what the SRS documentation describes).
    #[default]
    WhenRequested,
    /// Like `WhenRequested`, and refuse logins that do not ask for CSRF protection.
    Required,
    /// Never issue or check tokens.
    Disabled,
}

/// The origins a browser desktop may call from.
///
/// Entries are exact origins (`https://desktop.corp.example:8443`) or a wildcard on the host's
/// first label (`https://*.corp.example`); a bare `*` is not accepted, as in Genesys Web
/// Services. Requests without `Origin` (native desktops) are always allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// An allow-list from its entries.
    pub fn new<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(
            origins
                .into_iter()
                .map(|origin| origin.into().trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        )
    }

    /// Whether `origin` matches an entry.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.0.iter().any(|entry| {
            if let Some((scheme, host)) = entry.split_once("://*.") {
                origin
                    .strip_prefix(scheme)
                    .and_then(|rest| rest.strip_prefix("://"))
                    .and_then(|rest| rest.split_once('.'))
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == host)
            } else {
                entry.as_str() != "*" && *entry == origin
            }
        })
    }
}

/// Everything the emulator needs to start.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Address to listen on; port 0 picks a free port. Loopback by default, as real SRS.
    pub bind: SocketAddr,
    /// Serve HTTPS with a certificate generated at start-up.
    pub tls: bool,
    /// Accounts accepted on login.
    pub users: Vec<UserAccount>,
    /// Configured places and their DNs, for the hot-seating checks.
    pub places: Vec<Place>,
    /// Origins allowed to call from a browser.
    pub allowed_origins: AllowedOrigins,
    /// CSRF handling.
    pub csrf: CsrfPolicy,
    /// Inactivity timeout; 60 s in SRS.
    pub session_timeout: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            users: Vec::new(),
            places: Vec::new(),
            allowed_origins: AllowedOrigins::default(),
            csrf: CsrfPolicy::default(),
            session_timeout: SESSION_TIMEOUT,
        }
    }
}

impl EmulatorConfig {
    /// Adds a user.
    pub fn with_user(mut self, user: UserAccount) -> Self {
        self.users.push(user);
        self
    }

    /// Adds a place.
    pub fn with_place(mut self, place: Place) -> Self {
        self.places.push(place);
        self
    }

    /// Sets the allowed origins.
    pub fn with_allowed_origins(mut self, origins: AllowedOrigins) -> Self {
        self.allowed_origins = origins;
        self
    }

    /// Sets the CSRF policy.
    pub fn with_csrf(mut self, csrf: CsrfPolicy) -> Self {
        self.csrf = csrf;
        self
    }

    /// Serves HTTPS (`true`) or plain HTTP.
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the inactivity timeout (60 s in SRS).
    pub fn with_session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// Sets the listening address.
    pub fn with_bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }
}
