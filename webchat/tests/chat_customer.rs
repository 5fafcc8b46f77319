#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `chat_customer` example's command-line contract, checked on the built example (cargo
//! builds examples before it runs tests): `--help`, `--gms URL` and `--genesys-cloud URL`
//! against loopback fakes, JSON event lines on stdout, and the exit status.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::fake_gms::FakeGms;
use support::fake_guest::FakeGuestChat;

fn example() -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/chat_customer
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().unwrap().parent().unwrap();
    let path = profile
        .join("examples")
        .join(format!("chat_customer{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with cargo test -p agentdesk-webchat (examples are built with the tests)",
        path.display()
    );
    path
}

/// Runs the example with `args` while `agent` plays the back end's side.
async fn run(args: &[&str], agent: impl Future<Output = ()>) -> Output {
    let child = Command::new(example())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    agent.await;
    output.await.unwrap()
}

/// The stdout lines, each parsed as JSON: `{"event": NAME, "data"?: ...}`.
fn event_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            let keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
            assert!(
                keys.iter().all(|k| k == "event" || k == "data") && keys.contains(&"event".into()),
                "{line}"
            );
            value
        })
        .collect()
}

fn names(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["event"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits (bounded, only against a hang) until `ready` holds.
async fn until(mut ready: impl FnMut() -> bool) {
    for _ in 0..400 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the example never reached the back end");
}

#[tokio::test]
async fn help_describes_the_back_end_options() {
    let output = run(&["--help"], async {}).await;
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in ["--gms <URL>", "--genesys-cloud <URL>", "--emulator <URL>"] {
        assert!(help.contains(option), "{help}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gms_chat_prints_events_and_exits_zero_once_ended() {
    let fake = FakeGms::start().await;
    let url = fake.data_url();
    let agent = fake.clone();
    let output = run(&["--gms", &url, "--answer-timeout", "20"], async move {
        until(|| !agent.requests_of("send").is_empty()).await;
        agent.agent_joins();
        agent.agent_says("Hello Ann, how can I help?");
    })
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let lines = event_lines(&output);
    let names = names(&lines);
    for name in [
        "ready",
        "started",
        "agentConnected",
        "messageReceived",
        "ended",
    ] {
        assert!(names.contains(&name.to_owned()), "{names:?}");
    }
    assert_eq!(names.last().map(String::as_str), Some("ended"));
    let started = lines.iter().find(|l| l["event"] == "started").unwrap();
    assert_eq!(started["data"]["sessionID"], "0001Xy9ZtQ000ABC");
    assert!(fake.operations().contains(&"disconnect".to_owned()));
    assert_eq!(fake.requests_of("requestChat")[0]["nickname"], "Ann");
}

#[tokio::test(flavor = "multi_thread")]
async fn genesys_cloud_chat_prints_events_and_exits_zero_once_ended() {
    let fake = FakeGuestChat::start().await;
    let url = fake.data_url();
    let agent = fake.clone();
    let output = run(
        &[
            "--genesys-cloud",
            &url,
            "--queue",
            "Billing",
            "--answer-timeout",
            "20",
        ],
        async move {
            until(|| agent.attaches() > 0).await;
            agent.agent_joins();
            agent.agent_says("Hello from Genesys Cloud");
        },
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let names = names(&event_lines(&output));
    for name in ["ready", "started", "agentConnected", "ended"] {
        assert!(names.contains(&name.to_owned()), "{names:?}");
    }
    let create = fake.state.lock().unwrap().create_requests[0].clone();
    assert_eq!(create["routingTarget"]["targetAddress"], "Billing");
}

#[tokio::test]
async fn a_chat_that_cannot_start_exits_non_zero_with_the_reason() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/genesys/2/chat/customer-support",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let output = run(&["--gms", &url], async {}).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("could not start"), "{stderr}");
    let names = names(&event_lines(&output));
    assert!(names.contains(&"error".to_owned()), "{names:?}");

    let output = run(&["--gms"], async {}).await;
    assert_eq!(output.status.code(), Some(2), "a bad command line");
}
