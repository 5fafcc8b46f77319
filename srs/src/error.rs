//! Errors of the SRS client and emulator.

#[cfg(feature = "client")]
use agentdesk_protocol::srs::HotSeatingError;
#[cfg(any(feature = "client", feature = "emulator"))]
use thiserror::Error;

/// Why an SRS client call failed.
#[cfg(feature = "client")]
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration cannot work.
    #[error("invalid SRS client configuration: `{field}` {problem}")]
    Config {
        /// The offending field of `ClientConfig`.
        field: &'static str,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// The login breaks a hot-seating rule; nothing was sent.
    #[error("login not sent: {0}")]
    HotSeating(#[from] HotSeatingError),
    /// SRS answered with a status other than 200.
    #[error("SRS answered {method} {path} with HTTP {status}: {message}")]
    Http {
        /// Request method.
        method: &'static str,
        /// Request path.
        path: &'static str,
        /// HTTP status code.
        status: u16,
        /// Response body as received.
        body: String,
        /// `statusMessage` from the body when it has one, otherwise the body itself.
        message: String,
    },
    /// The request did not complete (connection refused, TLS failure, timeout).
    #[error("could not complete {method} {path} with SRS: {source}")]
    Transport {
        /// Request method.
        method: &'static str,
        /// Request path.
        path: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Fail-over was asked for, but the login has no `peer_server` and no URL was given.
    #[error(
        "cannot fail over: the login has no `peer_server`; use LoginRequest::with_peer_server \
         or Session::fail_over_to(url)"
    )]
    NoPeerServer,
    /// Fail-over needs a login with configuration (the GET login names no server).
    #[error(
        "cannot fail over a default GET login: it names no `server`; log in with a LoginRequest"
    )]
    NoServerToReplace,
    /// A place switch keeps the login's `server`, so it needs a login with configuration.
    #[error(
        "cannot switch place on a default GET login: it names no `server`; log in with a \
         LoginRequest, or send a whole new one with Session::login_again"
    )]
    NoServerToKeep,
}

#[cfg(feature = "client")]
impl Error {
    /// The HTTP status, when SRS answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A logout SRS did not accept: the session is handed back, still logged in and polling, so
/// the desktop can retry or keep working.
#[cfg(feature = "client")]
#[derive(Debug, Error)]
#[error("SRS logout failed, the session is still open: {error}")]
pub struct LogoutError {
    /// Why the logout failed.
    #[source]
    pub error: Error,
    /// The session, unchanged.
    pub session: crate::Session,
}

#[cfg(feature = "client")]
impl LogoutError {
    /// The session, to retry the logout or keep using it.
    pub fn into_session(self) -> crate::Session {
        self.session
    }
}

/// Why the emulator could not start.
#[cfg(feature = "emulator")]
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("SRS emulator cannot listen on {addr}: {source}; choose another port or use port 0")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTPS certificate or TLS configuration could not be made.
    #[error("SRS emulator cannot set up HTTPS: {0}")]
    Tls(String),
}
