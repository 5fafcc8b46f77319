//! The client against the emulator over loopback, on tokio's paused clock: every 30 s and
//! 60 s behaviour below runs in virtual time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use agentdesk_protocol::srs::{
    Device, HotSeatingError, LoginRequest, RecordingState, Seat, SessionState, StatusResponse,
    StopReason,
};
use agentdesk_srs::emulator::{
    AllowedOrigins, CONTROL_START_PATH, CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS,
    CORS_EXPOSE_HEADERS, CsrfPolicy, EmulatorConfig, UserAccount,
};
use agentdesk_srs::{ClientConfig, Error, RunningEmulator, SrsClient};

use support::{
    DESKTOP, RWS_A, RWS_B, client_config, emulator_config, hot_seat, place_5001, place_7101, start,
};

fn config() -> EmulatorConfig {
    emulator_config(|agent| agent.with_default_place("Place_5001"))
        .with_user(UserAccount::new("agent2", "pw2"))
        .with_allowed_origins(AllowedOrigins::new([DESKTOP, "https://*.apps.example"]))
}

fn client_for(emulator: &RunningEmulator) -> SrsClient {
    let mut config = client_config(&emulator.base_url());
    if let Some(pem) = emulator.root_certificate_pem() {
        config = config.with_root_certificate_pem(pem.as_bytes());
    }
    SrsClient::new(config).unwrap()
}

async fn control(emulator: &RunningEmulator, path: &str) -> reqwest::StatusCode {
    raw_client(emulator)
        .post(format!("{}{path}", emulator.base_url()))
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap()
        .status()
}

async fn status_message(response: reqwest::Response) -> String {
    let body: StatusResponse = response.json().await.unwrap();
    body.status_message.unwrap()
}

fn raw_client(emulator: &RunningEmulator) -> reqwest::Client {
    let mut builder = reqwest::Client::builder();
    if let Some(pem) = emulator.root_certificate_pem() {
        builder = builder.tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()]);
    }
    builder.build().unwrap()
}

async fn polling_keeps_the_session_alive(tls: bool) {
    let emulator = start(config().with_tls(tls)).await;
    assert!(
        emulator
            .base_url()
            .starts_with(if tls { "https://" } else { "http://" })
    );
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 200);

    // One second past the tenth minute, so the ping due at 600 s has been answered.
    tokio::time::sleep(Duration::from_secs(10 * 60 + 1)).await;

    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.state, SessionState::LoggedIn);
    assert_eq!(snapshot.recording, RecordingState::Recording);
    assert_eq!(snapshot.logins, 1);
    assert_eq!(snapshot.pings, 20, "one ping every 30 s for 10 minutes");
    let status = session.poll_status();
    assert_eq!((status.pings, status.relogins, status.failures), (20, 0, 0));
    session.logout().await.unwrap();
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
    // Logout stopped the polling.
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(emulator.snapshot().pings, 20);
}

#[tokio::test(start_paused = true)]
async fn polling_keeps_the_session_alive_for_ten_minutes_over_http() {
    polling_keeps_the_session_alive(false).await;
}

#[tokio::test(start_paused = true)]
async fn polling_keeps_the_session_alive_for_ten_minutes_over_https() {
    polling_keeps_the_session_alive(true).await;
}

#[tokio::test(start_paused = true)]
async fn without_polling_the_session_ends_after_60_s_and_the_recording_stops() {
    let emulator = start(config()).await;
    let client = client_for(&emulator);
    client
        .send_login(&agentdesk_srs::LoginForm::Configured(hot_seat()))
        .await
        .unwrap();
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 200);

    tokio::time::sleep(Duration::from_secs(59)).await;
    assert_eq!(emulator.snapshot().state, SessionState::LoggedIn);
    assert_eq!(emulator.snapshot().expires_in_ms, Some(1000));

    tokio::time::sleep(Duration::from_secs(1)).await;
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.state, SessionState::Expired);
    assert_eq!(snapshot.recording, RecordingState::Idle);
    assert_eq!(snapshot.last_stop_reason, Some(StopReason::Timeout));

    let err = client.ping().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    // RWS can no longer start a recording until the agent logs in again.
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 409);
    client
        .send_login(&agentdesk_srs::LoginForm::Get)
        .await
        .unwrap();
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 200);
}

#[tokio::test(start_paused = true)]
async fn the_poller_logs_in_again_after_a_401() {
    // Shorter than the ping period, so every ping finds the session gone.
    let config = config().with_session_timeout(Duration::from_secs(20));
    let emulator = start(config).await;
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    let mut status = session.watch_poll_status();
    status.changed().await.unwrap();
    assert_eq!(session.poll_status().relogins, 1);
    assert_eq!(emulator.snapshot().logins, 2);
    assert_eq!(emulator.snapshot().state, SessionState::LoggedIn);
    assert_eq!(emulator.snapshot().place.as_deref(), Some("Place_7101"));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_session_stops_polling() {
    let emulator = start(config()).await;
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert_eq!(emulator.snapshot().pings, 1);
    drop(session);
    tokio::time::sleep(Duration::from_secs(120)).await;
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.pings, 1);
    assert_eq!(snapshot.state, SessionState::Expired);
}

#[tokio::test(start_paused = true)]
async fn csrf_token_is_required_on_logout() {
    let emulator = start(config()).await;
    let client = client_for(&emulator);
    let session = client.login(hot_seat()).await.unwrap();
    let token = session.csrf_token().await.unwrap();
    assert_eq!(token.len(), 32);
    assert!(emulator.snapshot().csrf_protected);

    let missing = client.send_logout(None).await.unwrap_err();
    assert_eq!(missing.status(), Some(403));
    assert!(
        missing
            .to_string()
            .contains("Missing or invalid Csrf token: the `X-CSRF-Token` header is missing"),
        "{missing}"
    );
    let wrong = client.send_logout(Some("forged")).await.unwrap_err();
    assert_eq!(wrong.status(), Some(403));
    assert!(wrong.to_string().contains("does not match"), "{wrong}");
    assert_eq!(emulator.snapshot().state, SessionState::LoggedIn);

    session.logout().await.unwrap();
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
}

#[tokio::test(start_paused = true)]
async fn csrf_policies_required_and_disabled() {
    let emulator = start(config().with_csrf(CsrfPolicy::Required)).await;
    let no_csrf = SrsClient::new(
        ClientConfig::new(emulator.base_url(), "agent7101", "secret").with_csrf(false),
    )
    .unwrap();
    let err = no_csrf.login(hot_seat()).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("X-Support-CSRFP: true"), "{err}");

    let emulator = start(config().with_csrf(CsrfPolicy::Disabled)).await;
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    assert_eq!(session.csrf_token().await, None);
    session.logout().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn cors_preflight_headers_are_exact() {
    let emulator = start(config()).await;
    let http = raw_client(&emulator);
    for path in ["/api/v2/me", "/ping"] {
        let response = http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}{path}", emulator.base_url()),
            )
            .header("Origin", DESKTOP)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type,x-support-csrfp",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == "vary")
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        assert_eq!(
            headers,
            vec![
                ("access-control-allow-credentials".into(), "true".into()),
                (
                    "access-control-allow-headers".into(),
                    CORS_ALLOW_HEADERS.into()
                ),
                (
                    "access-control-allow-methods".into(),
                    CORS_ALLOW_METHODS.into()
                ),
                ("access-control-allow-origin".into(), DESKTOP.into()),
                ("access-control-max-age".into(), "600".into()),
                ("vary".into(), "Origin".into()),
            ],
            "{path}"
        );
    }
    assert_eq!(
        CORS_ALLOW_HEADERS,
        "Authorization, Content-Type, Origin, Cookie, X-Support-CSRFP, X-CSRF-Token"
    );

    // A wildcard entry covers one host label.
    let wildcard = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/ping", emulator.base_url()),
        )
        .header("Origin", "https://wwe.apps.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wildcard.headers()["access-control-allow-origin"],
        "https://wwe.apps.example"
    );

    for origin in [
        "https://evil.example",
        "http://desktop.corp.example",
        "https://apps.example",
    ] {
        let refused = http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/v2/me", emulator.base_url()),
            )
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{origin}");
        assert!(
            !refused
                .headers()
                .contains_key("access-control-allow-origin")
        );
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("not in the SRS allowed-origin list")
        );
    }

    // Actual requests from an allowed origin expose the CSRF headers to the page.
    let login = http
        .get(format!("{}/api/v2/me", emulator.base_url()))
        .basic_auth("agent7101", Some("secret"))
        .header("Origin", DESKTOP)
        .header("X-Support-CSRFP", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["access-control-allow-origin"], DESKTOP);
    assert_eq!(
        login.headers()["access-control-expose-headers"],
        CORS_EXPOSE_HEADERS
    );
    assert_eq!(login.headers()["x-csrf-header"], "X-CSRF-Token");
    assert!(login.headers().contains_key("x-csrf-token"));
}

#[tokio::test(start_paused = true)]
async fn hot_seating_rules_are_enforced_on_both_sides() {
    // Client side: nothing is sent for a login that breaks the rules.
    assert!(matches!(
        LoginRequest::hot_seating(RWS_A, &place_7101(), vec![]),
        Err(HotSeatingError::DevicesRequired { count: 2, .. })
    ));
    assert!(matches!(
        LoginRequest::hot_seating(
            RWS_A,
            &place_7101(),
            vec![Device::new("5001", "SIP_Switch")]
        ),
        Err(HotSeatingError::DeviceNotInPlace { .. })
    ));

    // Emulator side: the same rules against its configured places.
    let emulator = start(config()).await;
    let http = raw_client(&emulator);
    let post = |body: &'static str| {
        http.post(format!("{}/api/v2/me", emulator.base_url()))
            .basic_auth("agent7101", Some("secret"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        (
            r#"[{"name":"server","value":"https://a.example"},{"name":"place","value":"Place_7101"}]"#,
            "place \"Place_7101\" holds 2 DNs, so `devices` is required",
        ),
        (
            r#"[{"name":"server","value":"https://a.example"},{"name":"place","value":"Place_7101"},
               {"name":"devices","value":[{"dn":"5001","switch":"SIP_Switch"}]}]"#,
            "does not belong to place \"Place_7101\"",
        ),
        (
            r#"[{"name":"server","value":"https://a.example"},{"name":"place","value":"Nowhere"}]"#,
            "`place` \"Nowhere\" is not a configured place",
        ),
        (
            r#"[{"name":"place","value":"Place_5001"}]"#,
            "has no `server` item",
        ),
    ];
    for (body, expected) in cases {
        let response = post(body).await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let text = status_message(response).await;
        assert!(text.contains(expected), "{body}: {text}");
    }
    assert_eq!(emulator.snapshot().logins, 0);

    // A place with one DN needs no `devices`: SRS monitors that DN.
    let single = LoginRequest::hot_seating(RWS_A, &place_5001(), vec![]).unwrap();
    let _session = client_for(&emulator).login(single).await.unwrap();
    assert_eq!(
        emulator.snapshot().devices,
        vec![Device::new("5001", "SIP_Switch")]
    );
}

#[tokio::test(start_paused = true)]
async fn default_place_logins_use_the_configured_place() {
    let emulator = start(config()).await;
    let client = client_for(&emulator);
    let session = client.login_default().await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.place.as_deref(), Some("Place_5001"));
    assert_eq!(snapshot.server, None);
    drop(session);

    let configured = LoginRequest::default_place(RWS_A).unwrap();
    let _session = client.login(configured).await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.server.as_deref(), Some(RWS_A));
    assert_eq!(snapshot.place.as_deref(), Some("Place_5001"));
}

#[tokio::test(start_paused = true)]
async fn switching_place_logs_in_again_and_polling_continues() {
    let emulator = start(config()).await;
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    assert_eq!(emulator.snapshot().place.as_deref(), Some("Place_7101"));

    tokio::time::sleep(Duration::from_secs(45)).await;
    let moved = Seat::at_place(&place_5001(), vec![]).unwrap();
    session.switch_place(moved).await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.logins, 2);
    assert_eq!(snapshot.place.as_deref(), Some("Place_5001"));
    assert_eq!(snapshot.devices, vec![Device::new("5001", "SIP_Switch")]);

    tokio::time::sleep(Duration::from_secs(5 * 60)).await;
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.state, SessionState::LoggedIn);
    assert_eq!(snapshot.place.as_deref(), Some("Place_5001"));
    assert_eq!(session.poll_status().relogins, 0);
}

#[tokio::test(start_paused = true)]
async fn failover_logs_in_against_the_recovery_data_centre() {
    let emulator = start(config()).await;
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    session.fail_over().await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.server.as_deref(), Some(RWS_B));
    assert_eq!(snapshot.peer_server.as_deref(), Some(RWS_A));
    assert_eq!(snapshot.place.as_deref(), Some("Place_7101"));
    assert_eq!(snapshot.logins, 2);

    session
        .fail_over_to("https://rws-c.corp.example")
        .await
        .unwrap();
    assert_eq!(
        emulator.snapshot().server.as_deref(),
        Some("https://rws-c.corp.example")
    );
    assert!(matches!(
        session.fail_over_to("rws-d").await,
        Err(Error::HotSeating(HotSeatingError::InvalidServerUrl { .. }))
    ));

    let no_peer = client_for(&emulator)
        .login(LoginRequest::default_place(RWS_A).unwrap())
        .await
        .unwrap();
    assert!(matches!(
        no_peer.fail_over().await,
        Err(Error::NoPeerServer)
    ));
}

#[tokio::test(start_paused = true)]
async fn malformed_requests_get_400_or_401_naming_the_problem() {
    let emulator = start(config()).await;
    let http = raw_client(&emulator);
    let url = format!("{}/api/v2/me", emulator.base_url());
    let cases: [(&str, &str); 6] = [
        ("{not json", "the body is not valid JSON"),
        ("42", "JSON array (login configuration) or an object"),
        (
            r#"[{"name":"server","value":1}]"#,
            "item 0 (`server`): `value` must be a string",
        ),
        (
            r#"[{"name":"devices"}]"#,
            "item 0 (`devices`): missing `value`",
        ),
        (
            r#"{"operationName":"StartContactCenterSession"}"#,
            "is not supported",
        ),
        (r#"{"operation":"x"}"#, "missing field `operationName`"),
    ];
    for (body, expected) in cases {
        let response = http
            .post(&url)
            .basic_auth("agent7101", Some("secret"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let text = status_message(response).await;
        assert!(text.contains(expected), "{body}: {text}");
    }
    let headers = [
        ("Bearer abc", "unsupported Authorization scheme"),
        ("Basic !!!", "not valid base64"),
        ("Basic YWdlbnQ=", "lack the `:`"),
        ("garbage", "malformed Authorization header"),
    ];
    for (header, expected) in headers {
        let response = http
            .get(&url)
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        assert_eq!(
            response.headers()["www-authenticate"],
            "Basic realm=\"SRS\""
        );
        let text = status_message(response).await;
        assert!(text.contains(expected), "{header}: {text}");
    }
    let wrong = SrsClient::new(ClientConfig::new(emulator.base_url(), "agent7101", "nope"))
        .unwrap()
        .login_default()
        .await
        .unwrap_err();
    assert!(matches!(&wrong, Error::Http { status: 401, body, .. } if body.contains("statusCode")));
    // The emulator is still serving.
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
}

#[tokio::test(start_paused = true)]
async fn https_needs_the_emulator_root_certificate() {
    let emulator = start(config().with_tls(true)).await;
    let pem = emulator.root_certificate_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    // Another root: the handshake fails and the error says which call it was.
    let other = start(config().with_tls(true)).await;
    let stranger = SrsClient::new(
        ClientConfig::new(emulator.base_url(), "agent7101", "secret")
            .with_root_certificate_pem(other.root_certificate_pem().unwrap().as_bytes()),
    )
    .unwrap();
    let err = stranger.ping().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { path: "/ping", .. }),
        "{err}"
    );
    // The right root works.
    client_for(&emulator).login_default().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn recording_stops_on_logout_and_when_another_user_logs_in() {
    let emulator = start(config()).await;
    let session = client_for(&emulator).login(hot_seat()).await.unwrap();
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 200);
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 409);
    session.logout().await.unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.recording, RecordingState::Idle);
    assert_eq!(snapshot.last_stop_reason, Some(StopReason::Logout));

    let session = client_for(&emulator).login_default().await.unwrap();
    assert_eq!(control(&emulator, CONTROL_START_PATH).await, 200);
    let other = SrsClient::new(ClientConfig::new(emulator.base_url(), "agent2", "pw2")).unwrap();
    let _other = other.login_default().await.unwrap();
    assert_eq!(
        emulator.snapshot().last_stop_reason,
        Some(StopReason::UserChanged)
    );
    assert_eq!(emulator.snapshot().user.as_deref(), Some("agent2"));
    // The first agent no longer owns the session.
    let err = session.logout().await.unwrap_err();
    assert_eq!(err.error.status(), Some(401));
}

#[test]
fn client_configuration_is_checked() {
    let err = SrsClient::new(
        ClientConfig::new("http://127.0.0.1:1", "a", "b")
            .with_poll_interval(Duration::from_secs(60)),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`poll_interval` must be above zero and below the 60 s"),
        "{err}"
    );
    let err = SrsClient::new(ClientConfig::new("127.0.0.1:1", "a", "b")).unwrap_err();
    assert!(
        err.to_string()
            .contains("`base_url` must start with http://"),
        "{err}"
    );
    let err = SrsClient::new(
        ClientConfig::new("https://127.0.0.1:1", "a", "b").with_root_certificate_pem("nope"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("`root_certificate_pem`"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn oversized_bodies_and_unknown_paths_are_refused() {
    let emulator = start(config()).await;
    let http = raw_client(&emulator);
    let huge = format!("[{}]", "{\"name\":\"x\",\"value\":1},".repeat(4000));
    let response = http
        .post(format!("{}/api/v2/me", emulator.base_url()))
        .basic_auth("agent7101", Some("secret"))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let response = http
        .get(format!("{}/api/v2/you", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        status_message(response)
            .await
            .contains("no SRS endpoint GET /api/v2/you")
    );
}

#[tokio::test(start_paused = true)]
async fn the_router_mounts_in_a_larger_app_with_deterministic_tokens() {
    use agentdesk_srs::emulator::Emulator;

    let mut counter = 0;
    let emulator = Emulator::with_tokens(
        &config(),
        Box::new(move || {
            counter += 1;
            format!("token-{counter}")
        }),
    );
    let watchdog = emulator.spawn_watchdog();
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(emulator.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/health"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let login = http
        .post(format!("{base}/api/v2/me"))
        .basic_auth("agent7101", Some("secret"))
        .header("X-Support-CSRFP", "true")
        .json(&hot_seat().to_configuration())
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["x-csrf-token"], "token-1");
    assert_eq!(
        login.headers()["set-cookie"],
        "SRSSESSION=token-2; Path=/; HttpOnly"
    );
    // The cookie stands in for credentials on ping.
    let ping = http
        .get(format!("{base}/ping"))
        .header("Cookie", "SRSSESSION=token-2")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    tokio::time::sleep(Duration::from_secs(15)).await;
    let snapshot = http
        .get(format!("{base}/emulator/session"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    insta::assert_json_snapshot!("mounted_session_snapshot", snapshot);

    // 60 s after the last ping the session is over.
    tokio::time::sleep(Duration::from_secs(45)).await;
    assert_eq!(emulator.snapshot().state, SessionState::Expired);
    server.abort();
    drop(emulator);
    let _ = server.await;
    // With the emulator and its router gone, the watchdog ends by itself.
    tokio::time::timeout(Duration::from_secs(1), watchdog)
        .await
        .unwrap()
        .unwrap();
}
