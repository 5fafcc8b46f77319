//! What an emulated SRS knows: its users, places, origins and policies.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use agentdesk_protocol::srs::{Device, Place, SESSION_TIMEOUT};

/// User name of the emulator's default agent ([`EmulatorConfig::with_default_agent`]).
pub const DEFAULT_USERNAME: &str = "agent";
/// Password of the emulator's default agent.
pub const DEFAULT_PASSWORD: &str = "agent";
/// The default agent's place, which is also its default place.
pub const DEFAULT_PLACE: &str = "Place_1000";
/// The single DN of [`DEFAULT_PLACE`].
pub const DEFAULT_DN: &str = "1000";
/// The switch of [`DEFAULT_DN`].
pub const DEFAULT_SWITCH: &str = "SIP_Switch";

/// How long a connection may take to send a complete request head (an idle keep-alive
/// connection waiting for its next request included) before it is closed.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, body included, before it is answered `408`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; further ones wait in the listen backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

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

    /// The documented default agent: [`DEFAULT_USERNAME`] / [`DEFAULT_PASSWORD`], default
    /// place [`DEFAULT_PLACE`].
    pub fn default_agent() -> Self {
        Self::new(DEFAULT_USERNAME, DEFAULT_PASSWORD).with_default_place(DEFAULT_PLACE)
    }
}

/// [`DEFAULT_PLACE`] with its single DN [`DEFAULT_DN`] on [`DEFAULT_SWITCH`].
pub fn default_agent_place() -> Place {
    Place::new(DEFAULT_PLACE, vec![Device::new(DEFAULT_DN, DEFAULT_SWITCH)])
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
    /// Like `WhenRequested`, and the token is bound to the session cookie, as in Genesys Web
    /// Services: a `POST` login that carries the cookie of a session with a token must carry
    /// that token, and a logout of such a session must carry both the cookie and the token.
    Strict,
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
    /// Serve HTTPS with a certificate generated at start-up (feature `emulator-tls`; without
    /// it, starting fails with [`EmulatorError::Tls`](crate::EmulatorError::Tls)).
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
    /// Further addresses the emulator is reached at (a server that mounts the router passes
    /// its listen addresses); [`serve`](super::serve) adds the address it bound. The `Host`
    /// check accepts each of these, and `localhost`, `127.0.0.1` and `[::1]` with their ports.
    pub listen_addrs: Vec<SocketAddr>,
    /// Time allowed for a request head, idle keep-alive included (served by
    /// [`serve`](super::serve)).
    pub header_read_timeout: Duration,
    /// Time allowed for a whole request, body included (served by [`serve`](super::serve)).
    pub request_timeout: Duration,
    /// Connections served at once by [`serve`](super::serve).
    pub max_connections: usize,
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
            listen_addrs: Vec::new(),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
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

    /// Serves HTTPS (`true`, feature `emulator-tls`) or plain HTTP.
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

    /// Adds the default agent ([`UserAccount::default_agent`]) and its place
    /// ([`default_agent_place`]), unless a user or place of that name is configured already.
    pub fn with_default_agent(mut self) -> Self {
        if !self.users.iter().any(|u| u.username == DEFAULT_USERNAME) {
            self.users.push(UserAccount::default_agent());
        }
        if !self.places.iter().any(|p| p.name == DEFAULT_PLACE) {
            self.places.push(default_agent_place());
        }
        self
    }

    /// Adds an address the emulator is reached at, for the `Host` check.
    pub fn with_listen_addr(mut self, addr: SocketAddr) -> Self {
        self.listen_addrs.push(addr);
        self
    }

    /// Sets the time allowed for a request head (idle keep-alive included).
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets the time allowed for a whole request.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how many connections are served at once (at least one).
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }
}

/// The `Host` values a request may carry: `host:port` of every listen address, and
/// `localhost`, `127.0.0.1` and `[::1]` with the same ports (without the port when it is the
/// scheme's default). With no address known (a router mounted without
/// [`EmulatorConfig::listen_addrs`]), the loopback names are accepted with any port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AllowedHosts {
    addrs: Vec<SocketAddr>,
}

impl AllowedHosts {
    pub(crate) fn new(addrs: impl IntoIterator<Item = SocketAddr>) -> Self {
        let mut hosts = Self::default();
        for addr in addrs {
            hosts.add(addr);
        }
        hosts
    }

    pub(crate) fn add(&mut self, addr: SocketAddr) {
        if !self.addrs.contains(&addr) {
            self.addrs.push(addr);
        }
    }

    /// Whether `host` (a `Host` header or URI authority) names this emulator.
    pub(crate) fn allows(&self, host: &str, tls: bool) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = split_host(&host);
        let Some(name) = name else { return false };
        let loopback_name = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
        let default_port = if tls { 443 } else { 80 };
        let port = match port {
            Some(Ok(port)) => Some(port),
            Some(Err(())) => return false,
            None => None,
        };
        if self.addrs.is_empty() {
            return loopback_name;
        }
        self.addrs.iter().any(|addr| {
            let port_matches = port.unwrap_or(default_port) == addr.port();
            let own_name = if addr.ip().is_unspecified() {
                // Bound to every interface: any IP literal names it (DNS rebinding needs a
                // host name).
                name.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok()
            } else {
                match addr {
                    SocketAddr::V4(v4) => name == v4.ip().to_string(),
                    SocketAddr::V6(v6) => name == format!("[{}]", v6.ip()),
                }
            };
            port_matches && (own_name || loopback_name)
        })
    }
}

/// Splits `name[:port]`, with IPv6 literals in brackets. `None` as the name means malformed.
fn split_host(host: &str) -> (Option<&str>, Option<Result<u16, ()>>) {
    let (name, port) = if host.starts_with('[') {
        match host.find(']') {
            Some(end) => {
                let (name, rest) = host.split_at(end + 1);
                match rest.strip_prefix(':') {
                    Some(port) => (name, Some(port)),
                    None if rest.is_empty() => (name, None),
                    None => return (None, None),
                }
            }
            None => return (None, None),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if name.is_empty() {
        return (None, None);
    }
    (
        Some(name),
        port.map(|port| port.parse::<u16>().map_err(drop)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_the_listen_addresses_and_loopback_names_with_their_port() {
        let hosts = AllowedHosts::new([
            SocketAddr::from(([127, 0, 0, 1], 8082)),
            SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], 9000)),
        ]);
        for ok in [
            "127.0.0.1:8082",
            "localhost:8082",
            "LOCALHOST:8082",
            "[::1]:8082",
            "[::1]:9000",
            "localhost:9000",
        ] {
            assert!(hosts.allows(ok, false), "{ok}");
        }
        for refused in [
            "127.0.0.1:8083",
            "evil.example:8082",
            "127.0.0.1",
            "localhost",
            "127.0.0.1:80",
            "127.0.0.1:x",
            ":8082",
            "[::1",
            "",
        ] {
            assert!(!hosts.allows(refused, false), "{refused}");
        }
        // The scheme's default port may be left out.
        let https = AllowedHosts::new([SocketAddr::from(([127, 0, 0, 1], 443))]);
        assert!(https.allows("localhost", true));
        assert!(!https.allows("localhost", false));
        // A mounted router that knows no address: loopback names only, any port.
        let mounted = AllowedHosts::default();
        assert!(mounted.allows("127.0.0.1:1234", false));
        assert!(mounted.allows("localhost", false));
        assert!(!mounted.allows("rebind.evil.example:1234", false));
        // Every interface: IP literals with the port, no other names.
        let any = AllowedHosts::new([SocketAddr::from(([0, 0, 0, 0], 8082))]);
        assert!(any.allows("192.168.1.7:8082", false));
        assert!(any.allows("localhost:8082", false));
        assert!(!any.allows("rebind.evil.example:8082", false));
    }
}
