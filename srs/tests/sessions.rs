//! A session as real SRS back ends see it: one HTTP session with cookies and a CSRF token on
//! every POST, hot seating by place name, place switches that keep the data centres, the
//! changes a desktop is told about, and a logout that can fail. Against the emulator (strict
//! CSRF mode) and against a recording fake, on tokio's paused clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_protocol::srs::{Device, LoginRequest, Seat, SessionState};
use agentdesk_srs::emulator::{
    CsrfPolicy, DEFAULT_DN, DEFAULT_PASSWORD, DEFAULT_PLACE, DEFAULT_SWITCH, DEFAULT_USERNAME,
    EmulatorConfig,
};
use agentdesk_srs::{ClientConfig, Error, ReloginReason, Session, SessionChange, SrsClient};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use support::{DESKTOP, RWS_A, RWS_B, client_config, emulator_config, hot_seat, start};

fn config() -> EmulatorConfig {
    emulator_config(|agent| agent)
        .with_allowed_origins(agentdesk_srs::emulator::AllowedOrigins::new([DESKTOP]))
}

fn client(base_url: &str) -> SrsClient {
    SrsClient::new(client_config(base_url)).unwrap()
}

/// A place switch, a fail-over, then the re-login that follows a ping answered 401 (the
/// emulator's session timed out, or the fake was told to answer so).
async fn switch_fail_over_and_relogin(session: &Session) {
    let mut changes = session.watch_changes();
    session
        .switch_place(Seat::by_place_name("Place_5001").unwrap())
        .await
        .unwrap();
    session.fail_over().await.unwrap();
    wait_for_change(
        &mut changes,
        SessionChange::ReLoggedIn {
            reason: ReloginReason::AfterTimeout,
        },
    )
    .await;
}

async fn wait_for_change(
    changes: &mut tokio::sync::watch::Receiver<SessionChange>,
    expected: SessionChange,
) {
    changes
        .wait_for(|change| *change == expected)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Item 1: cookies and CSRF.

#[tokio::test(start_paused = true)]
async fn a_strict_emulator_accepts_every_step_of_a_session() {
    // A short SRS timeout, so the poller's first ping finds the session gone.
    let emulator = start(
        config()
            .with_csrf(CsrfPolicy::Strict)
            .with_session_timeout(Duration::from_secs(20)),
    )
    .await;
    let session = client(&emulator.base_url())
        .login(hot_seat())
        .await
        .unwrap();
    assert!(session.cookies().await.contains_key("SRSSESSION"));
    switch_fail_over_and_relogin(&session).await;
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.logins, 4);
    assert_eq!(snapshot.state, SessionState::LoggedIn);
    assert!(snapshot.csrf_protected);

    // The logout carries the cookie of the latest login with its token.
    session.logout().await.unwrap();
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
}

#[tokio::test(start_paused = true)]
async fn strict_mode_binds_the_token_to_the_session_cookie() {
    let emulator = start(config().with_csrf(CsrfPolicy::Strict)).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v2/me", emulator.base_url());
    let login = |cookie: Option<String>, token: Option<String>| {
        let mut request = http
            .post(&url)
            .basic_auth("agent7101", Some("secret"))
            .header("X-Support-CSRFP", "true")
            .json(&hot_seat().to_configuration());
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        if let Some(token) = token {
            request = request.header("X-CSRF-Token", token);
        }
        request.send()
    };
    let credentials = |response: &reqwest::Response| {
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let token = response.headers()["x-csrf-token"]
            .to_str()
            .unwrap()
            .to_owned();
        (cookie, token)
    };

    let first = login(None, None).await.unwrap();
    assert_eq!(first.status(), 200);
    let (cookie, token) = credentials(&first);

    // A login in that HTTP session (its cookie) must carry its token.
    for wrong in [None, Some("forged".to_owned())] {
        let refused = login(Some(cookie.clone()), wrong).await.unwrap();
        assert_eq!(refused.status(), 403);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("Missing or invalid Csrf token")
        );
    }
    let second = login(Some(cookie.clone()), Some(token)).await.unwrap();
    assert_eq!(second.status(), 200);
    let (cookie, token) = credentials(&second);

    // The right token without the cookie is not enough to log out.
    let logout = |cookie: Option<String>| {
        let mut request = http
            .post(&url)
            .basic_auth("agent7101", Some("secret"))
            .header("X-CSRF-Token", token.clone())
            .json(&serde_json::json!({"operationName": "EndContactCenterSession"}));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        request.send()
    };
    let refused = logout(None).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("bound to the HTTP session of the `SRSSESSION` cookie")
    );
    assert_eq!(emulator.snapshot().state, SessionState::LoggedIn);
    assert_eq!(logout(Some(cookie)).await.unwrap().status(), 200);
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
}

/// What the fake saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    call: &'static str,
    cookie: Option<String>,
    token: Option<String>,
}

/// A loopback SRS that records every request and answers from scripts: each login sets a
/// new `JSESSIONID=s<n>` cookie and token `t<n>`.
#[derive(Default)]
struct Fake {
    seen: Vec<Seen>,
    logins: u32,
    pings: VecDeque<u16>,
    relogins: VecDeque<u16>,
    logouts: VecDeque<u16>,
}

type SharedFake = Arc<Mutex<Fake>>;

async fn fake_srs(fake: SharedFake) -> String {
    async fn answer(
        axum::extract::State(fake): axum::extract::State<SharedFake>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let text = |name: &str| {
            headers
                .get(name)
                .map(|value| value.to_str().unwrap().to_owned())
        };
        let call = match (method.as_str(), uri.path(), body.first()) {
            ("GET", "/ping", _) => "ping",
            ("POST", "/api/v2/me", Some(b'[')) => "login",
            ("POST", "/api/v2/me", Some(b'{')) => "logout",
            _ => "other",
        };
        let mut fake = fake.lock().unwrap();
        fake.seen.push(Seen {
            call,
            cookie: text("cookie"),
            token: text("x-csrf-token"),
        });
        let status = match call {
            "ping" => fake.pings.pop_front(),
            "login" if fake.logins > 0 => fake.relogins.pop_front(),
            "logout" => fake.logouts.pop_front(),
            _ => None,
        }
        .unwrap_or(200);
        let status = StatusCode::from_u16(status).unwrap();
        if call == "login" && status == StatusCode::OK {
            fake.logins += 1;
            let n = fake.logins;
            return (
                status,
                [
                    ("set-cookie", format!("JSESSIONID=s{n}; Path=/; HttpOnly")),
                    ("x-csrf-token", format!("t{n}")),
                ],
                "{\"statusCode\":0}",
            )
                .into_response();
        }
        (status, "{\"statusCode\":0}").into_response()
    }
    let app = axum::Router::new().fallback(answer).with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn seen(call: &'static str, cookie: Option<&str>, token: Option<&str>) -> Seen {
    Seen {
        call,
        cookie: cookie.map(str::to_owned),
        token: token.map(str::to_owned),
    }
}

#[tokio::test(start_paused = true)]
async fn every_request_of_a_session_carries_its_cookie_and_every_post_its_token() {
    let fake = SharedFake::default();
    fake.lock().unwrap().pings.push_back(401);
    let base = fake_srs(Arc::clone(&fake)).await;
    let session = client(&base).login(hot_seat()).await.unwrap();
    // The first ping is answered 401: the poller logs in again in the same HTTP session.
    switch_fail_over_and_relogin(&session).await;
    assert_eq!(session.csrf_token().await.as_deref(), Some("t4"));
    session.logout().await.unwrap();

    assert_eq!(
        fake.lock().unwrap().seen,
        vec![
            seen("login", None, None),
            seen("login", Some("JSESSIONID=s1"), Some("t1")),
            seen("login", Some("JSESSIONID=s2"), Some("t2")),
            seen("ping", Some("JSESSIONID=s3"), None),
            seen("login", Some("JSESSIONID=s3"), Some("t3")),
            seen("logout", Some("JSESSIONID=s4"), Some("t4")),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Item 2: hot seating by place name.

#[tokio::test(start_paused = true)]
async fn hot_seating_by_place_name_alone() {
    let emulator = start(config()).await;
    let client = client(&emulator.base_url());
    // The desktop knows only the name; the place has one DN, which SRS monitors.
    let login = LoginRequest::hot_seating_by_name(RWS_A, "Place_5001").unwrap();
    let session = client.login(login).await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.place.as_deref(), Some("Place_5001"));
    assert_eq!(snapshot.devices, vec![Device::new("5001", "SIP_Switch")]);
    session.logout().await.unwrap();

    // At a place with several DNs SRS needs `devices`, and says so.
    let err = client
        .login(LoginRequest::hot_seating_by_name(RWS_A, "Place_7101").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string()
            .contains("place \"Place_7101\" holds 2 DNs, so `devices` is required"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Item 3: place switch, session changes, logout failures.

#[tokio::test(start_paused = true)]
async fn a_place_switch_keeps_server_and_peer_server() {
    let emulator = start(config()).await;
    let client = client(&emulator.base_url());
    let session = client.login(hot_seat()).await.unwrap();
    session.fail_over().await.unwrap();
    session
        .switch_place(Seat::by_place_name("Place_5001").unwrap())
        .await
        .unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.place.as_deref(), Some("Place_5001"));
    assert_eq!(
        snapshot.server.as_deref(),
        Some(RWS_B),
        "the recovery RWS stays"
    );
    assert_eq!(snapshot.peer_server.as_deref(), Some(RWS_A));
    assert_eq!(
        session.last_change(),
        SessionChange::ReLoggedIn {
            reason: ReloginReason::PlaceSwitch
        }
    );
    drop(session);

    // A GET login names no server to keep.
    let session = client.login_default().await.unwrap();
    assert!(matches!(
        session
            .switch_place(Seat::by_place_name("Place_5001").unwrap())
            .await,
        Err(Error::NoServerToKeep)
    ));
}

#[tokio::test(start_paused = true)]
async fn session_changes_are_published_on_a_watch_channel() {
    let fake = SharedFake::default();
    {
        let mut fake = fake.lock().unwrap();
        fake.pings.extend([503, 200, 401, 401]);
        fake.relogins.extend([500]);
    }
    let base = fake_srs(Arc::clone(&fake)).await;
    let session = client(&base).login(hot_seat()).await.unwrap();
    assert_eq!(session.last_change(), SessionChange::LoggedIn);
    let mut changes = session.watch_changes();

    // Tick 1: SRS unavailable. Tick 2: back. Tick 3: 401 and the re-login fails.
    // Tick 4: 401 and the re-login works.
    changes.changed().await.unwrap();
    assert!(
        matches!(&*changes.borrow(), SessionChange::Failed { error } if error.contains("503")),
        "{:?}",
        *changes.borrow()
    );
    changes.changed().await.unwrap();
    assert_eq!(*changes.borrow(), SessionChange::Recovered);
    changes.changed().await.unwrap();
    assert!(
        matches!(&*changes.borrow(), SessionChange::TimedOut { error } if error.contains("500")),
        "{:?}",
        *changes.borrow()
    );
    changes.changed().await.unwrap();
    assert_eq!(
        *changes.borrow(),
        SessionChange::ReLoggedIn {
            reason: ReloginReason::AfterTimeout
        }
    );
    let status = session.poll_status();
    assert_eq!((status.pings, status.relogins, status.failures), (1, 1, 2));
    session.logout().await.unwrap();
    assert_eq!(*changes.borrow(), SessionChange::LoggedOut);
}

#[tokio::test(start_paused = true)]
async fn a_refused_logout_hands_the_session_back() {
    let fake = SharedFake::default();
    fake.lock().unwrap().logouts.push_back(500);
    let base = fake_srs(Arc::clone(&fake)).await;
    let session = client(&base).login(hot_seat()).await.unwrap();
    let changes = session.watch_changes();

    let failed = session.logout().await.unwrap_err();
    assert_eq!(failed.error.status(), Some(500));
    assert!(failed.to_string().contains("the session is still open"));
    let session = failed.into_session();
    assert_eq!(*changes.borrow(), SessionChange::LoggedIn);

    // Still polling, still the same HTTP session.
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert_eq!(session.poll_status().pings, 1);
    session.logout().await.unwrap();
    assert_eq!(*changes.borrow(), SessionChange::LoggedOut);
    let seen = fake.lock().unwrap().seen.clone();
    assert_eq!(
        seen.iter().map(|s| s.call).collect::<Vec<_>>(),
        ["login", "logout", "ping", "logout"]
    );
    assert_eq!(
        seen[3],
        self::seen("logout", Some("JSESSIONID=s1"), Some("t1"))
    );
    // Polling stopped with the logout.
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(fake.lock().unwrap().seen.len(), 4);
}

// ---------------------------------------------------------------------------------------
// Item 4: the documented default agent.

#[tokio::test(start_paused = true)]
async fn the_default_agent_logs_in_to_a_default_emulator() {
    let emulator = start(EmulatorConfig::default().with_default_agent()).await;
    let client = SrsClient::new(
        ClientConfig::new(emulator.base_url(), DEFAULT_USERNAME, DEFAULT_PASSWORD)
            .with_request_timeout(None),
    )
    .unwrap();
    let session = client.login_default().await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.user.as_deref(), Some(DEFAULT_USERNAME));
    assert_eq!(snapshot.place.as_deref(), Some(DEFAULT_PLACE));
    assert_eq!(
        snapshot.devices,
        vec![Device::new(DEFAULT_DN, DEFAULT_SWITCH)]
    );
    session
        .login_again(LoginRequest::hot_seating_by_name(RWS_A, DEFAULT_PLACE).unwrap())
        .await
        .unwrap();
    session.logout().await.unwrap();
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
    // Documented values, so a README can quote them.
    assert_eq!((DEFAULT_USERNAME, DEFAULT_PASSWORD), ("agent", "agent"));
}
