//! Bounded time and connections on the emulator's listeners, and routes that never fail on
//! what a client sends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use agentdesk_server::emulator::{Emulator, EmulatorConfig, HttpLimits, RunningEmulator};
use proptest::prelude::*;
use serde_json::{Value, json};

fn start(runtime: &tokio::runtime::Runtime, limits: HttpLimits) -> (RunningEmulator, SocketAddr) {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.demo_app = None;
    config.http = limits;
    let emulator = runtime.block_on(Emulator::start(config)).unwrap();
    let address = emulator
        .host_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    (emulator, address)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Reads until the peer closes; `true` when it did (rather than the read timing out).
fn closed_by_peer(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = [0u8; 1024];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn half_sent_and_idle_connections_are_closed_and_the_cap_holds() {
    let runtime = runtime();
    let limits = HttpLimits {
        header_read_timeout: Duration::from_millis(300),
        max_connections: 2,
    };
    let (emulator, address) = start(&runtime, limits);

    // Two half-sent heads fill the cap; a third connection is closed at once.
    let mut first = TcpStream::connect(address).unwrap();
    first.write_all(b"GET /api/state HTTP/1.1\r\nHo").unwrap();
    let mut second = TcpStream::connect(address).unwrap();
    second.write_all(b"GET /api/state HTTP/1.1\r\nHo").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let mut third = TcpStream::connect(address).unwrap();
    let _ = third.write_all(b"GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(closed_by_peer(&mut third), "the connection over the cap");

    // The stalled heads time out, which frees the cap for a real request.
    assert!(closed_by_peer(&mut first), "a half-sent head is closed");
    assert!(closed_by_peer(&mut second), "a half-sent head is closed");
    let mut kept_alive = TcpStream::connect(address).unwrap();
    write!(
        kept_alive,
        "GET /api/state HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .unwrap();
    let mut head = [0u8; 12];
    kept_alive.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // Kept alive and then idle: closed by the same timer.
    assert!(
        closed_by_peer(&mut kept_alive),
        "an idle kept-alive connection is closed"
    );
    runtime.block_on(emulator.shutdown());
}

/// Arbitrary JSON, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("1"),
            Just("answer"),
            Just("incoming-call"),
            Just("DISCONNECTED"),
            Just("push"),
            Just("load"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("action".to_owned()),
                    Just("interactionId".to_owned()),
                    Just("operation".to_owned()),
                    Just("text".to_owned()),
                    Just("userData".to_owned()),
                    Just("mode".to_owned()),
                    Just("state".to_owned()),
                    Just("step".to_owned()),
                    ".{0,6}",
                ],
                inner,
                0..4
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

const ROUTES: &[&str] = &[
    "/api/actions",
    "/api/calls",
    "/api/chats",
    "/api/outbound/preview",
    "/api/outbound/campaign",
    "/api/agent/state",
    "/api/connection",
    "/api/interactions/1/answer",
    "/api/interactions/1/customer-message",
    "/api/interactions/x/agent-typing",
    "/api/toasts/1/click",
    "/chat/sessions",
    "/chat/sessions/CHAT/messages",
    "/chat/sessions/CHAT/typing",
    "/chat/sessions/CHAT/end",
];

#[test]
fn no_route_fails_on_arbitrary_json() {
    let runtime = runtime();
    let (emulator, _) = start(&runtime, HttpLimits::default());
    let client = reqwest::Client::new();
    let base = emulator.host_url.trim_end_matches('/').to_owned();
    let started: Value = runtime.block_on(async {
        client
            .post(format!("{base}/chat/sessions"))
            .json(&json!({ "message": "hi" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let chat = started["chatId"].as_str().unwrap().to_owned();
    let config = ProptestConfig {
        cases: 300,
        ..ProptestConfig::default()
    };
    proptest!(config, |(body in json_value(), route in 0..ROUTES.len())| {
        let url = format!("{base}{}", ROUTES[route].replace("CHAT", &chat));
        let status = runtime.block_on(async {
            client.post(&url).json(&body).send().await.map(|r| r.status().as_u16())
        });
        let status = status.map_err(|e| TestCaseError::fail(format!("{url}: {e}")))?;
        prop_assert!(status < 500, "{} answered {} to {}", url, status, body);
    });
    // Still serving afterwards.
    let state = runtime.block_on(async {
        client
            .get(format!("{base}/api/state"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(state, 200);
    runtime.block_on(emulator.shutdown());
}
