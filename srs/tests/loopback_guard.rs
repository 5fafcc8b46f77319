//! The emulator on loopback against web pages and misbehaving peers: `Host` names the
//! emulator (no DNS rebinding), state-changing requests are ones a browser pre-flights, and
//! the listener bounds request heads, whole requests and open connections. Raw TCP where a
//! browser or an attacker would send something reqwest does not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use agentdesk_protocol::srs::{LoginRequest, RecordingState, SessionState};
use agentdesk_srs::emulator::{
    AllowedOrigins, CONTROL_SESSION_PATH, CONTROL_START_PATH, CONTROL_STOP_PATH, CsrfPolicy,
    EmulatorConfig, UserAccount,
};
use agentdesk_srs::{ClientConfig, RunningEmulator, SrsClient, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DESKTOP: &str = "https://desktop.corp.example";

fn config() -> EmulatorConfig {
    EmulatorConfig::default()
        .with_user(UserAccount::new("agent", "secret").with_default_place("P"))
        .with_place(agentdesk_protocol::srs::Place::new(
            "P",
            vec![agentdesk_protocol::srs::Device::new("1", "S")],
        ))
        .with_allowed_origins(AllowedOrigins::new([DESKTOP]))
        // No expiry while a raw request waits for loopback I/O on the paused clock.
        .with_session_timeout(Duration::from_secs(24 * 3600))
}

/// Sends `head` (with `Connection: close` added) and `body`, returns the whole answer.
async fn raw(addr: SocketAddr, head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{head}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

async fn start(config: EmulatorConfig) -> RunningEmulator {
    serve(config).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn requests_must_name_the_emulator_in_host() {
    let extra = SocketAddr::from(([127, 0, 0, 2], 9000));
    let emulator = start(config().with_listen_addr(extra)).await;
    let addr = emulator.local_addr();
    let port = addr.port();
    let get = |host: String| async move {
        raw(
            addr,
            &format!("GET {CONTROL_SESSION_PATH} HTTP/1.1\r\nHost: {host}"),
            "",
        )
        .await
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.2:9000".to_owned(),
    ] {
        assert_eq!(status(&get(host.clone()).await), 200, "{host}");
    }
    for host in [
        format!("rebind.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "127.0.0.1:1".to_owned(),
        "localhost".to_owned(),
    ] {
        let answer = get(host.clone()).await;
        assert_eq!(status(&answer), 403, "{host}");
        assert!(
            answer.contains("does not name this SRS emulator"),
            "{host}: {answer}"
        );
    }
    // A rebound name cannot log in either.
    let login = raw(
        addr,
        &format!(
            "GET /api/v2/me HTTP/1.1\r\nHost: rebind.evil.example:{port}\r\n\
             Authorization: Basic YWdlbnQ6c2VjcmV0"
        ),
        "",
    )
    .await;
    assert_eq!(status(&login), 403);
    assert_eq!(emulator.snapshot().logins, 0);
}

#[tokio::test(start_paused = true)]
async fn state_changes_a_page_could_send_without_a_preflight_are_refused() {
    let emulator = start(config().with_csrf(CsrfPolicy::Disabled)).await;
    let addr = emulator.local_addr();
    let host = format!("Host: {addr}");
    let session = SrsClient::new(
        ClientConfig::new(emulator.base_url(), "agent", "secret")
            .with_origin(DESKTOP)
            .with_request_timeout(None),
    )
    .unwrap()
    .login(LoginRequest::default_place("https://rws.example").unwrap())
    .await
    .unwrap();
    let cookie = format!("SRSSESSION={}", session.cookies().await["SRSSESSION"]);
    let logout_body = r#"{"operationName":"EndContactCenterSession"}"#;

    // navigator.sendBeacon / fetch no-cors: text/plain with the session cookie.
    let beacon = raw(
        addr,
        &format!(
            "POST /api/v2/me HTTP/1.1\r\n{host}\r\nCookie: {cookie}\r\n\
             Content-Type: text/plain;charset=UTF-8"
        ),
        logout_body,
    )
    .await;
    assert_eq!(status(&beacon), 403, "{beacon}");
    assert!(
        beacon.contains("Content-Type: application/json"),
        "{beacon}"
    );
    assert_eq!(emulator.snapshot().state, SessionState::LoggedIn);

    // HTML forms and bodiless no-cors POSTs on the control routes.
    for content_type in [
        "\r\nContent-Type: application/x-www-form-urlencoded",
        "\r\nContent-Type: multipart/form-data; boundary=x",
        "",
    ] {
        let answer = raw(
            addr,
            &format!("POST {CONTROL_START_PATH} HTTP/1.1\r\n{host}{content_type}"),
            "",
        )
        .await;
        assert_eq!(status(&answer), 403, "{content_type:?}: {answer}");
    }
    assert_eq!(emulator.snapshot().recording, RecordingState::Idle);

    // A form post with Basic credentials the browser cached after a prompt: still refused.
    let form_login = raw(
        addr,
        &format!(
            "POST /api/v2/me HTTP/1.1\r\n{host}\r\nAuthorization: Basic YWdlbnQ6c2VjcmV0\r\n\
             Content-Type: text/plain"
        ),
        r#"[{"name":"server","value":"https://attacker.example"}]"#,
    )
    .await;
    assert_eq!(status(&form_login), 403, "{form_login}");
    assert_eq!(emulator.snapshot().logins, 1);

    // A page on a foreign origin is refused even with JSON (its pre-flight fails too).
    let foreign = raw(
        addr,
        &format!(
            "POST {CONTROL_START_PATH} HTTP/1.1\r\n{host}\r\nOrigin: https://evil.example\r\n\
             Content-Type: application/json"
        ),
        "",
    )
    .await;
    assert_eq!(status(&foreign), 403);
    assert_eq!(emulator.snapshot().recording, RecordingState::Idle);

    // What native tools and pre-flighted pages send goes through: JSON (bodiless too), or a
    // custom header.
    let start = raw(
        addr,
        &format!(
            "POST {CONTROL_START_PATH} HTTP/1.1\r\n{host}\r\nOrigin: {DESKTOP}\r\n\
             Content-Type: application/json; charset=utf-8"
        ),
        "",
    )
    .await;
    assert_eq!(status(&start), 200, "{start}");
    assert!(start.contains(&format!("access-control-allow-origin: {DESKTOP}")));
    let stop = raw(
        addr,
        &format!("POST {CONTROL_STOP_PATH} HTTP/1.1\r\n{host}\r\nX-Requested-With: curl"),
        "",
    )
    .await;
    assert_eq!(status(&stop), 200, "{stop}");
    // The real logout: JSON with the session cookie.
    let logout = raw(
        addr,
        &format!(
            "POST /api/v2/me HTTP/1.1\r\n{host}\r\nCookie: {cookie}\r\n\
             Content-Type: application/json"
        ),
        logout_body,
    )
    .await;
    assert_eq!(status(&logout), 200, "{logout}");
    assert_eq!(emulator.snapshot().state, SessionState::LoggedOut);
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    // Errors (a reset) also mean closed.
    let _ = stream.read_to_end(&mut answer).await;
    answer
}

#[tokio::test(start_paused = true)]
async fn half_sent_heads_and_idle_connections_are_closed_after_the_header_read_timeout() {
    let emulator = start(config().with_header_read_timeout(Duration::from_secs(5))).await;
    let addr = emulator.local_addr();
    let began = tokio::time::Instant::now();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(
        format!("GET /ping HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic").as_bytes(),
    )
    .await
    .unwrap();
    // A bound far above the header timeout: reaching it means the server never closed.
    let closed = tokio::time::timeout(Duration::from_secs(120), async {
        until_closed(&mut idle).await;
        until_closed(&mut half).await;
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connections open");
    assert!(began.elapsed() >= Duration::from_secs(5));
    // The emulator still answers.
    let answer = raw(
        addr,
        &format!("GET {CONTROL_SESSION_PATH} HTTP/1.1\r\nHost: {addr}"),
        "",
    )
    .await;
    assert_eq!(status(&answer), 200);
}

#[tokio::test(start_paused = true)]
async fn a_request_whose_body_never_completes_gets_408() {
    let emulator = start(config().with_request_timeout(Duration::from_secs(5))).await;
    let addr = emulator.local_addr();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /api/v2/me HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                 Authorization: Basic YWdlbnQ6c2VjcmV0\r\nContent-Length: 100\r\n\r\n[{{\"na"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(120), until_closed(&mut stream))
        .await
        .expect("no answer to a stalled body");
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status(&answer), 408, "{answer}");
    assert_eq!(emulator.snapshot().logins, 0);
}

#[tokio::test(start_paused = true)]
async fn open_connections_are_capped() {
    let emulator = start(
        config()
            .with_max_connections(2)
            .with_header_read_timeout(Duration::from_secs(5)),
    )
    .await;
    let addr = emulator.local_addr();
    let began = tokio::time::Instant::now();
    // Two sockets that never send a request fill the cap...
    let _idle = [
        TcpStream::connect(addr).await.unwrap(),
        TcpStream::connect(addr).await.unwrap(),
    ];
    // ...so the next request is served only once the header timeout has closed them.
    let answer = raw(
        addr,
        &format!("GET {CONTROL_SESSION_PATH} HTTP/1.1\r\nHost: {addr}"),
        "",
    )
    .await;
    assert_eq!(status(&answer), 200);
    assert!(
        began.elapsed() >= Duration::from_secs(5),
        "served while the cap was full"
    );
}
