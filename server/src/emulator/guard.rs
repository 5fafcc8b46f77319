//! Who may talk to the emulator's loopback ports.
//!
//! Every web page the agent opens can reach `127.0.0.1`, and so can every local process. The
//! rules, applied to every request on the host port and the demo app's port:
//!
//! 1. **`Host`** must name the port the request arrived on, with a host that cannot be
//!    re-pointed by DNS: `localhost`, or an IP address literal. A page on `evil.example` whose
//!    name an attacker re-binds to `127.0.0.1` sends `Host: evil.example:8080` and is refused
//!    (`421`), so DNS rebinding never makes a foreign page same-origin.
//! 2. **State changes need `Content-Type: application/json`**: every method but `GET`, `HEAD`
//!    and `OPTIONS` (bodiless actions included: send `{}`). A browser sends that content type
//!    cross-site only after a CORS preflight, which the emulator never grants, so
//!    `fetch(..., {mode: "no-cors"})`, `<form>` posts and `navigator.sendBeacon` are refused
//!    (`415`).
//! 3. **`Origin`**, when present, must be one of the port's own origins (`http://127.0.0.1:P`,
//!    `http://localhost:P`, the listen address): on state changes, on WebSocket upgrades
//!    (which browsers send cross-site without any preflight) and on the `/api/` and `/chat/`
//!    reads (`403`). Requests without `Origin` (curl, native tools) pass. `/scapi` is the one
//!    exception: a native client's `Origin` is its identity there, and the security policy
//!    decides what it may do.
//! 4. **`--token`** (optional): the host page's relay and the control API also require the
//!    per-run secret, as the `token` query parameter or the `x-agentdesk-token` header.
//!
//! What `Origin` is worth: a browser sets it and a page cannot change it, so rules 2 and 3 stop
//! web pages. A local *process* can send any header it likes, so on a machine shared with
//! other users only the token (rule 4) keeps them out. A real desktop that embeds the engine
//! must not rely on loopback at all: relay through the page's own `postMessage` (where
//! `event.origin` is the browser's word) and authenticate native clients with credentials.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use agentdesk_protocol::emulator::control::ErrorBody;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header that carries the per-run token (the `token` query parameter also does).
pub const TOKEN_HEADER: &str = "x-agentdesk-token";

/// The rules of one listener (see the [module docs](self)).
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    listen: SocketAddr,
    origins: Arc<Vec<String>>,
    token: Option<Arc<str>>,
}

impl Guard {
    /// The rules for a listener bound to `listen` whose pages have `origins`; `token`, when
    /// set, is required on the relay and the control API.
    pub(crate) fn new(listen: SocketAddr, origins: Vec<String>, token: Option<String>) -> Self {
        Self {
            listen,
            origins: Arc::new(origins),
            token: token.map(Arc::from),
        }
    }

    fn host_allowed(&self, authority: &str) -> bool {
        let (host, port) = split_authority(authority);
        let port = match port {
            Some(port) => port.parse::<u16>().ok(),
            None => Some(80),
        };
        if port != Some(self.listen.port()) {
            return false;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => {
                self.listen.ip().is_unspecified()
                    || ip == self.listen.ip()
                    || (self.listen.ip().is_loopback() && ip.is_loopback())
            }
            Err(_) => false,
        }
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        self.origins
            .iter()
            .any(|own| own.eq_ignore_ascii_case(origin))
    }

    fn token_given(&self, request: &Request) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let in_header = request
            .headers()
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|given| given == &**token);
        let in_query = request.uri().query().is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.strip_prefix("token=") == Some(&**token))
        });
        in_header || in_query
    }
}

fn split_authority(authority: &str) -> (&str, Option<&str>) {
    // `[::1]:8080`, `[::1]`, `127.0.0.1:8080`, `localhost`.
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

fn refuse(status: StatusCode, error: String) -> Response {
    tracing::warn!(status = status.as_u16(), "{error}");
    (status, axum::Json(ErrorBody::new(error))).into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
}

/// The middleware: applies the rules, then runs the route.
pub(crate) async fn check(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let authority = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    match &authority {
        Some(authority) if guard.host_allowed(authority) => {}
        Some(authority) => {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "Host {authority:?} is not this emulator: use http://127.0.0.1:{port}/ or http://localhost:{port}/",
                    port = guard.listen.port()
                ),
            );
        }
        None => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "the request has no Host header".to_owned(),
            );
        }
    }
    let path = request.uri().path();
    let method = request.method();
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let api = path.starts_with("/api/") || path.starts_with("/chat/");
    let origin_checked =
        path != "/scapi" && (changes_state || is_upgrade(headers) || api || path == "/relay");
    if origin_checked
        && let Some(origin) = headers.get(header::ORIGIN)
        && !guard.origin_allowed(origin.to_str().unwrap_or(""))
    {
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "Origin {origin:?} may not use {path}: only the emulator's own pages (and tools that send no Origin) may"
            ),
        );
    }
    if changes_state && !is_json(headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{method} {path} needs Content-Type: application/json (send {{}} when there is no body)"
            ),
        );
    }
    if (path.starts_with("/api/") || path == "/relay") && !guard.token_given(&request) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            format!(
                "{path} needs this run's token (printed by serve): the token query parameter or the {TOKEN_HEADER} header"
            ),
        );
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(listen: &str) -> Guard {
        let listen: SocketAddr = listen.parse().unwrap_or_else(|_| unreachable!());
        Guard::new(listen, Vec::new(), None)
    }

    #[test]
    fn hosts_are_loopback_names_or_literals_with_the_listening_port() {
        let g = guard("127.0.0.1:8080");
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost.evil.example:8080",
            "192.168.1.2:8080",
            "[::1]",
            "",
        ] {
            assert!(!g.host_allowed(refused), "{refused}");
        }
        let any = guard("0.0.0.0:80");
        assert!(any.host_allowed("192.168.1.2"));
        assert!(!any.host_allowed("rebound.example"));
    }
}
