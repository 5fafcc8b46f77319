//! The axum edge: decodes requests, asks the [`SessionCore`], and writes answers with the
//! CORS and CSRF headers.

use std::sync::{Arc, Mutex, PoisonError};

use agentdesk_protocol::srs::{
    LOGIN_PATH, MeRequest, OperationName, PING_PATH, StatusResponse, X_CSRF_TOKEN, X_SUPPORT_CSRFP,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Notify;

use super::config::{AllowedHosts, AllowedOrigins};
use super::core::{LoginGranted, Rejection, RequestAuth, SessionCore};

/// Name of the session cookie the emulator sets on login (SRS's own name is undocumented).
pub const SESSION_COOKIE: &str = "SRSSESSION";

/// Path of the emulator's inspection endpoint (`GET`, answers a `SessionSnapshot`).
pub const CONTROL_SESSION_PATH: &str = "/emulator/session";
/// Path where a test starts a recording as RWS would (`POST`).
pub const CONTROL_START_PATH: &str = "/emulator/recording/start";
/// Path where a test stops the recording as RWS would (`POST`).
pub const CONTROL_STOP_PATH: &str = "/emulator/recording/stop";

/// Largest request body accepted (larger ones get 413); SRS bodies are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Headers that let a state-changing request through without `Content-Type:
/// application/json`: a browser sends none of them cross-site without a CORS pre-flight.
///
/// `Authorization` is not one of them: a browser attaches Basic credentials it cached after a
/// login prompt to any request for the origin, a cross-site form post included.
pub const PREFLIGHTED_HEADERS: [&str; 3] = [X_CSRF_TOKEN, X_SUPPORT_CSRFP, "X-Requested-With"];

/// Methods answered in `Access-Control-Allow-Methods`.
pub const CORS_ALLOW_METHODS: &str = "GET, POST, OPTIONS";
/// Headers answered in `Access-Control-Allow-Headers`.
pub const CORS_ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Origin, Cookie, X-Support-CSRFP, X-CSRF-Token";
/// Headers answered in `Access-Control-Expose-Headers`, so a browser desktop can read the token.
pub const CORS_EXPOSE_HEADERS: &str = "X-CSRF-Header, X-CSRF-Token";
/// Seconds a browser may cache a pre-flight answer.
pub const CORS_MAX_AGE: &str = "600";

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) core: Arc<Mutex<SessionCore>>,
    pub(crate) origins: Arc<AllowedOrigins>,
    pub(crate) hosts: Arc<AllowedHosts>,
    /// Whether the emulator is reached over HTTPS (the default port in `Host` is then 443).
    pub(crate) tls: bool,
    /// Signalled after every request, so the watchdog learns about new deadlines.
    pub(crate) changed: Arc<Notify>,
    /// Signals `changed` once the last clone is gone, so the watchdog sees the core dropped.
    /// Declared after `core`, which is therefore released first.
    pub(crate) _wake_on_drop: Arc<WakeOnDrop>,
}

/// Calls `notify_one` when dropped.
pub(crate) struct WakeOnDrop(pub(crate) Arc<Notify>);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

impl AppState {
    fn with_core<T>(&self, f: impl FnOnce(&mut SessionCore) -> T) -> T {
        // The core's methods do not panic; if one ever did, serving the last consistent state
        // beats refusing every later request.
        let result = {
            let mut core = self.core.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut core)
        };
        self.changed.notify_one();
        result
    }
}

fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(LOGIN_PATH, get(login_get).post(me_post).options(preflight))
        .route(PING_PATH, get(ping).options(preflight))
        .route(CONTROL_SESSION_PATH, get(snapshot))
        .route(CONTROL_START_PATH, post(start_recording))
        .route(CONTROL_STOP_PATH, post(stop_recording))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(refuse_simple_cross_site_requests))
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .layer(middleware::from_fn_with_state(state.clone(), check_host))
        .with_state(state)
}

fn status_body(status: StatusCode, body: &StatusResponse) -> Response {
    (status, axum::Json(body)).into_response()
}

fn reject(rejection: &Rejection) -> Response {
    let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = status_body(
        status,
        &StatusResponse::error(i64::from(rejection.status()), rejection.message()),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"SRS\""),
        );
    }
    response
}

fn ok() -> Response {
    status_body(StatusCode::OK, &StatusResponse::ok())
}

fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then_some(value)
        })
}

fn auth(headers: &HeaderMap) -> RequestAuth<'_> {
    RequestAuth {
        authorization: header_text(headers, header::AUTHORIZATION),
        session_cookie: session_cookie(headers),
        csrf_token: header_text(headers, X_CSRF_TOKEN),
    }
}

fn csrf_requested(headers: &HeaderMap) -> bool {
    header_text(headers, X_SUPPORT_CSRFP)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

fn granted(grant: LoginGranted) -> Response {
    let mut response = ok();
    let headers = response.headers_mut();
    if let Some(token) = grant.csrf_token
        && let Ok(value) = HeaderValue::from_str(&token)
    {
        headers.insert(
            HeaderName::from_static("x-csrf-header"),
            HeaderValue::from_static(X_CSRF_TOKEN),
        );
        headers.insert(HeaderName::from_static("x-csrf-token"), value);
    }
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly",
        grant.session_cookie
    )) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn login_get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result =
        state.with_core(|core| core.login(now(), &auth(&headers), csrf_requested(&headers), None));
    match result {
        Ok(grant) => granted(grant),
        Err(rejection) => reject(&rejection),
    }
}

async fn me_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match MeRequest::from_slice(&body) {
        Ok(request) => request,
        Err(problem) => {
            return reject(&Rejection::BadRequest(format!(
                "POST {LOGIN_PATH}: {problem}"
            )));
        }
    };
    match request {
        MeRequest::Login(configuration) => {
            let result = state.with_core(|core| {
                core.login(
                    now(),
                    &auth(&headers),
                    csrf_requested(&headers),
                    Some(&configuration),
                )
            });
            match result {
                Ok(grant) => granted(grant),
                Err(rejection) => reject(&rejection),
            }
        }
        MeRequest::Operation(operation) => match operation.operation_name {
            OperationName::EndContactCenterSession => {
                match state.with_core(|core| core.logout(now(), &auth(&headers))) {
                    Ok(()) => ok(),
                    Err(rejection) => reject(&rejection),
                }
            }
            other => reject(&Rejection::BadRequest(format!(
                "POST {LOGIN_PATH}: `operationName` {:?} is not supported; SRS accepts only \
                 \"EndContactCenterSession\" (logout) or a login configuration array",
                other.as_str()
            ))),
        },
        _ => reject(&Rejection::BadRequest(format!(
            "POST {LOGIN_PATH}: unsupported body"
        ))),
    }
}

async fn ping(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match state.with_core(|core| core.ping(now(), &auth(&headers))) {
        Ok(()) => ok(),
        Err(rejection) => reject(&rejection),
    }
}

async fn snapshot(State(state): State<AppState>) -> Response {
    let snapshot = state.with_core(|core| core.snapshot(now()));
    (StatusCode::OK, axum::Json(snapshot)).into_response()
}

async fn start_recording(State(state): State<AppState>) -> Response {
    match state.with_core(|core| core.start_recording(now())) {
        Ok(()) => ok(),
        Err(rejection) => reject(&rejection),
    }
}

async fn stop_recording(State(state): State<AppState>) -> Response {
    match state.with_core(|core| core.stop_recording(now())) {
        Ok(()) => ok(),
        Err(rejection) => reject(&rejection),
    }
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    status_body(
        StatusCode::NOT_FOUND,
        &StatusResponse::error(
            404,
            format!(
                "no SRS endpoint {method} {}; SRS serves {LOGIN_PATH} and {PING_PATH}",
                uri.path()
            ),
        ),
    )
}

/// Pre-flight answers are written by [`cors`]; reaching this handler means no `Origin`.
async fn preflight() -> Response {
    reject(&Rejection::BadRequest(
        "a CORS pre-flight (OPTIONS) needs an `Origin` header".into(),
    ))
}

/// CORS for every route: requests from origins outside the allow-list are refused with 403,
/// pre-flights from allowed origins are answered here, and other answers get the
/// `Access-Control-*` headers.
async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = header_text(request.headers(), header::ORIGIN).map(str::to_owned) else {
        return next.run(request).await;
    };
    if !state.origins.allows(&origin) {
        return reject(&Rejection::Forbidden(format!(
            "origin {origin:?} is not in the SRS allowed-origin list"
        )));
    }
    let Ok(origin_value) = HeaderValue::from_str(&origin) else {
        return reject(&Rejection::BadRequest(
            "the `Origin` header is not valid".into(),
        ));
    };
    if request.method() == Method::OPTIONS {
        if let Some(asked) = header_text(request.headers(), header::ACCESS_CONTROL_REQUEST_METHOD)
            && !matches!(asked.trim(), "GET" | "POST")
        {
            return reject(&Rejection::Forbidden(format!(
                "pre-flight asks for method {asked:?}; SRS allows {CORS_ALLOW_METHODS}"
            )));
        }
        let mut response = StatusCode::OK.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(CORS_ALLOW_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(CORS_ALLOW_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(CORS_MAX_AGE),
        );
        add_cors_headers(headers, origin_value);
        return response;
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(CORS_EXPOSE_HEADERS),
    );
    add_cors_headers(headers, origin_value);
    response
}

fn add_cors_headers(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
}

/// DNS rebinding: a request whose `Host` (or URI authority) does not name this emulator is
/// refused with 403 before anything else looks at it.
async fn check_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = header_text(request.headers(), header::HOST)
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(host) if state.hosts.allows(&host, state.tls) => next.run(request).await,
        Some(host) => reject(&Rejection::Forbidden(format!(
            "`Host: {host}` does not name this SRS emulator; call it by its listen address, \
             `localhost` or `127.0.0.1` with its port"
        ))),
        None => reject(&Rejection::BadRequest(
            "the request has no `Host` header; send `Host: 127.0.0.1:<port>`".into(),
        )),
    }
}

/// Whether the request carries `Content-Type: application/json` (parameters allowed) or one
/// of [`PREFLIGHTED_HEADERS`].
fn needed_a_preflight(headers: &HeaderMap) -> bool {
    let json = header_text(headers, header::CONTENT_TYPE).is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    });
    json || PREFLIGHTED_HEADERS
        .iter()
        .any(|name| headers.contains_key(*name))
}

/// State-changing requests (every method but `GET`, `HEAD` and `OPTIONS`) must be ones a
/// browser sends cross-site only after a CORS pre-flight: `Content-Type: application/json` or
/// one of [`PREFLIGHTED_HEADERS`]. (The `Origin`, when present, was checked by [`cors`].) A
/// `fetch(..., {mode: "no-cors"})`, `navigator.sendBeacon` or an HTML form gets 403.
async fn refuse_simple_cross_site_requests(request: Request, next: Next) -> Response {
    let method = request.method();
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || needed_a_preflight(request.headers())
    {
        return next.run(request).await;
    }
    reject(&Rejection::Forbidden(format!(
        "{method} {}: a state-changing request must carry `Content-Type: application/json` or \
         one of the headers {}; a web page can send this one cross-site without a CORS \
         pre-flight",
        request.uri().path(),
        PREFLIGHTED_HEADERS.join(", ")
    )))
}
