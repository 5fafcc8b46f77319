//! The shipped binary under the conditions users and hostile neighbours create: debug logging,
//! scenarios, refused handshakes, malformed input, cross-site requests, DNS rebinding, and
//! signals while clients stay connected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `agentdesk-server serve` with its stderr collected.
struct Serve {
    child: Child,
    host: SocketAddr,
    page_url: String,
    stdout: std::io::Lines<BufReader<std::process::ChildStdout>>,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(extra: &[&str]) -> Self {
        Self::start_logging("debug", extra)
    }

    fn start_logging(rust_log: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--no-demo-app",
                "--no-srs",
            ])
            .args(extra)
            .env("RUST_LOG", rust_log)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drain stderr as a terminal would, so logging never blocks on a full pipe.
        let stderr = support::collect(child.stderr.take().unwrap());
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut page_url = None;
        for line in stdout.by_ref() {
            let line = line.unwrap();
            if let Some(url) = line.split("(open this):").nth(1) {
                page_url = Some(url.trim().to_owned());
            }
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        let page_url = page_url.unwrap_or_else(|| {
            let _ = child.kill();
            panic!("serve printed no URL; stderr:\n{}", stderr.lock().unwrap())
        });
        let host = page_url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Self {
            child,
            host,
            page_url,
            stdout,
            stderr,
        }
    }

    /// Sends one raw HTTP/1.1 request and returns the status and body.
    fn raw(&self, request: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        let mut chunk = [0u8; 4096];
        // Read the head and the body its Content-Length announces (the head alone for
        // `101 Switching Protocols`), or to the end.
        while let Ok(n @ 1..) = stream.read(&mut chunk) {
            response.extend_from_slice(&chunk[..n]);
            if complete(&response) {
                break;
            }
        }
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP response to {request:?}: {text:?}"));
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        (status, body)
    }

    /// `method path` with the right `Host` and the given extra header lines.
    fn request(&self, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        if !headers.iter().any(|h| h.contains("Upgrade")) {
            request.push_str("Connection: close\r\n");
        }
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        request.push_str(body);
        self.raw(&request)
    }

    fn state_answers(&self) -> bool {
        self.request("GET", "/api/state", &[], "").0 == 200
    }

    /// Sends `signal` and waits for the exit; panics when it does not come.
    fn stop_with(mut self, signal: &str) -> (Duration, Vec<String>, String) {
        let sent = Instant::now();
        Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let took = sent.elapsed();
                eprintln!("stopped by {signal} in {took:?}");
                assert!(status.success(), "{signal}: {status:?}");
                let rest = self.stdout.map_while(Result::ok).collect();
                let stderr = self.stderr.lock().unwrap().clone();
                return (took, rest, stderr);
            }
            if sent.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!(
                    "serve did not stop on {signal}; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether `response` holds a whole response head and the body its `Content-Length` gives.
fn complete(response: &[u8]) -> bool {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
    if head.starts_with("http/1.1 101") {
        return true;
    }
    head.lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|length| length.trim().parse::<usize>().ok())
        .is_some_and(|length| response.len() >= end + 4 + length)
}

const WS_UPGRADE: &str = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

#[test]
fn keeps_serving_with_debug_logs_a_scenario_refused_handshakes_and_garbage() {
    let dir = std::env::temp_dir().join(format!("agentdesk-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("scenario.json");
    std::fs::write(
        &scenario,
        r#"{ "steps": [
            { "at": 0, "action": "incoming-call", "ani": "+15551234567", "userData": { "Segment": "Gold" } },
            { "at": 0.1, "action": "agent", "interactionId": "1", "operation": "answer" },
            { "at": 0.2, "action": "agent", "interactionId": "99", "operation": "answer" },
            { "at": 0.3, "action": "customer-message", "customer": "Ada", "message": "Hello" }
        ] }"#,
    )
    .unwrap();
    let serve = Serve::start(&["--scenario", scenario.to_str().unwrap()]);

    // Refused relay handshakes from a foreign page, each logged as a warning.
    for _ in 0..5 {
        let (status, _) = serve.request(
            "GET",
            "/relay",
            &[WS_UPGRADE, "Origin: http://evil.example"],
            "",
        );
        assert_eq!(status, 403);
    }
    // Garbage, a half-sent request left open, and a bad body.
    let mut garbage = TcpStream::connect(serve.host).unwrap();
    garbage
        .write_all(b"\x16\x03\x01\x00\xff not http\r\n\r\n")
        .unwrap();
    let mut half = TcpStream::connect(serve.host).unwrap();
    half.write_all(b"GET /api/state HTTP/1.1\r\nHost: ")
        .unwrap();
    let (status, body) = serve.request(
        "POST",
        "/api/interactions/1/answer",
        &["Content-Type: application/json"],
        "[]",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("JSON object"), "{body}");

    // A native client at debug level, then the scenario's effects are visible.
    let (status, _) = serve.request("GET", "/scapi", &[WS_UPGRADE], "");
    assert_eq!(status, 101);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = serve.request("GET", "/api/state", &[], "");
        assert_eq!(status, 200);
        if body.contains("Ada") && body.contains("Gold") {
            break;
        }
        assert!(Instant::now() < deadline, "scenario did not run: {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(serve.state_answers());

    let (_, rest, stderr) = serve.stop_with("-INT");
    assert!(rest.iter().any(|l| l == "stopping"), "{rest:?}");
    assert!(stderr.contains("may not use /relay"), "{stderr}");
    assert!(stderr.contains("DEBUG"), "debug logging was on: {stderr}");
    assert!(
        stderr
            .lines()
            .any(|line| line.contains("scenario step skipped") && line.contains("\"99\"")),
        "the skipped scenario step is logged: {stderr}"
    );
    drop((garbage, half));
}

#[test]
fn sigterm_and_sigint_stop_it_while_clients_stay_connected() {
    for signal in ["-TERM", "-INT"] {
        let serve = Serve::start(&[]);
        // A WebSocket client that never closes, and an idle keep-alive connection.
        let mut native = TcpStream::connect(serve.host).unwrap();
        native
            .write_all(
                format!(
                    "GET /scapi HTTP/1.1\r\nHost: {}\r\n{WS_UPGRADE}\r\n\r\n",
                    serve.host
                )
                .as_bytes(),
            )
            .unwrap();
        let mut head = [0u8; 12];
        native.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 101");
        let idle = TcpStream::connect(serve.host).unwrap();
        let (took, _, _) = serve.stop_with(signal);
        // A hang detector, not a speed target: the stop is bounded by a sub-second grace.
        assert!(took < Duration::from_secs(5), "{signal} took {took:?}");
        drop((native, idle));
    }
}

#[test]
fn web_pages_cannot_drive_the_loopback_apis() {
    let serve = Serve::start(&[]);
    let json = "Content-Type: application/json";
    let call = r#"{"ani":"+1555"}"#;
    // fetch(..., {mode: "no-cors", method: "POST"}) and sendBeacon send text/plain.
    for content_type in [
        "Content-Type: text/plain;charset=UTF-8",
        "Content-Type: application/x-www-form-urlencoded",
    ] {
        let (status, body) = serve.request("POST", "/api/calls", &[content_type], call);
        assert_eq!(status, 415, "{body}");
        assert!(body.contains("application/json"), "{body}");
    }
    let (status, _) = serve.request("POST", "/api/calls", &[], call);
    assert_eq!(status, 415, "no content type at all");
    // A foreign Origin is refused even with the right content type.
    let (status, body) = serve.request(
        "POST",
        "/api/calls",
        &[json, "Origin: https://evil.example"],
        call,
    );
    assert_eq!(status, 403, "{body}");
    // DNS rebinding: a foreign name pointed at 127.0.0.1.
    let (status, body) = serve.raw(&format!(
        "GET /api/state HTTP/1.1\r\nHost: rebound.evil.example:{}\r\nConnection: close\r\n\r\n",
        serve.host.port()
    ));
    assert_eq!(status, 421, "{body}");
    let (status, _) = serve.raw(&format!(
        "GET / HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        serve.host.port()
    ));
    assert_eq!(status, 200, "localhost is this emulator");
    // The host page's own origin and tools without Origin pass.
    let own = format!("Origin: http://{}", serve.host);
    let (status, body) = serve.request("POST", "/api/calls", &[json, &own], call);
    assert_eq!(status, 200, "{body}");
    let (status, body) = serve.request("POST", "/api/interactions/1/answer", &[json], "");
    assert_eq!(
        status, 200,
        "a bodiless action with the JSON content type: {body}"
    );

    // Chats: the id is a capability, and the stream checks Origin.
    let (status, started) = serve.request(
        "POST",
        "/chat/sessions",
        &[json],
        r#"{"nickname":"Ann","message":"Hi"}"#,
    );
    assert_eq!(status, 201, "{started}");
    let started: serde_json::Value = serde_json::from_str(&started).unwrap();
    let stream = started["streamPath"].as_str().unwrap();
    let (status, _) = serve.request(
        "GET",
        stream,
        &[WS_UPGRADE, "Origin: https://evil.example"],
        "",
    );
    assert_eq!(status, 403);
    let interaction = started["interactionId"].as_str().unwrap();
    let (status, _) = serve.request(
        "GET",
        &format!("/chat/sessions/{interaction}/stream"),
        &[WS_UPGRADE],
        "",
    );
    assert_eq!(status, 404, "sequential ids do not reach chats");
    let (status, _) = serve.request("GET", stream, &[WS_UPGRADE], "");
    assert_eq!(status, 101);
    let _ = serve.stop_with("-INT");
}

#[test]
fn token_guards_the_relay_and_the_control_api() {
    let serve = Serve::start(&["--token=s3cret"]);
    assert!(
        serve.page_url.ends_with("/?token=s3cret"),
        "{}",
        serve.page_url
    );
    assert_eq!(serve.request("GET", "/api/state", &[], "").0, 401);
    assert_eq!(
        serve
            .request("GET", "/api/state", &["x-agentdesk-token: s3cret"], "")
            .0,
        200
    );
    assert_eq!(
        serve.request("GET", "/api/state?token=s3cret", &[], "").0,
        200
    );
    assert_eq!(
        serve
            .request("GET", "/api/state", &["x-agentdesk-token: wrong"], "")
            .0,
        401
    );
    let own = format!("Origin: http://{}", serve.host);
    assert_eq!(
        serve.request("GET", "/relay", &[WS_UPGRADE, &own], "").0,
        401
    );
    assert_eq!(
        serve
            .request("GET", "/relay?token=s3cret", &[WS_UPGRADE, &own], "")
            .0,
        101
    );
    // The page itself loads without it (it reads the token from its own URL).
    assert_eq!(serve.request("GET", "/", &[], "").0, 200);
    let _ = serve.stop_with("-INT");

    // `--token` alone makes one up.
    let serve = Serve::start(&["--token"]);
    let token = serve.page_url.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(token.len(), 32, "{}", serve.page_url);
    assert_eq!(
        serve
            .request("GET", &format!("/api/state?token={token}"), &[], "")
            .0,
        200
    );
    let _ = serve.stop_with("-INT");
}

#[test]
fn a_rust_log_it_cannot_read_is_reported_and_default_logging_goes_on() {
    let serve = Serve::start_logging("agentdesk_server=loud", &[]);
    assert!(serve.state_answers());
    let (_, _, stderr) = serve.stop_with("-TERM");
    assert!(
        stderr.contains("RUST_LOG ignored (`agentdesk_server=loud`"),
        "the bad filter is named:\n{stderr}"
    );
    assert!(
        stderr.contains("WARN options:"),
        "logging goes on at the default level:\n{stderr}"
    );
    assert!(!stderr.contains("DEBUG"), "debug lines do not:\n{stderr}");
}
