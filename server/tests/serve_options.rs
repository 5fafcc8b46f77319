//! `serve --options FILE` and chaos timing as a user runs them: the WWE option file answers
//! `configuration.getOption` over the native endpoint, drives the behaviour options, and a view
//! whose origin the policy does not accept is named at start-up; `--latency` and
//! `--early-events` deliver late and out of order, repeatably.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{Value, json};
use support::{Socket, collect, connect, get_json, next_json, post_json};
use tokio_tungstenite::tungstenite::Message;

const OPTIONS: &str = "\
[interaction-workspace]
service-client-api.accepted-web-content-origins=http://app.example
voice.auto-answer=true
workspace.web-content=Elsewhere
[MySection]
crm.base-url=https://crm.example.com
[Elsewhere]
url=https://other.example/panel.html
";

struct Serve {
    child: Child,
    base: String,
    /// The option file it runs with (removed on drop).
    options: std::path::PathBuf,
    stdout: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.options);
    }
}

fn serve_with_options(text: &str) -> Serve {
    serve(text, &[])
}

fn serve(text: &str, extra: &[&str]) -> Serve {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "agentdesk-serve-options-{}-{}.cfg",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&path, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-demo-app",
            "--no-srs",
            "--options",
        ])
        .arg(&path)
        .args(extra)
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = collect(child.stderr.take().unwrap());
    let mut base = None;
    let mut stdout = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        stdout.push(line.clone());
        if let Some(url) = line.split("(open this):").nth(1) {
            base = url
                .trim()
                .split("/?")
                .next()
                .map(|u| u.trim_end_matches('/').to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let base = base.unwrap_or_else(|| panic!("no URL; stderr:\n{}", stderr.lock().unwrap()));
    Serve {
        child,
        base,
        options: path,
        stdout,
        stderr,
    }
}

async fn post(base: &str, path: &str, body: Value) -> Value {
    post_json(&format!("{base}{path}"), &body).await
}

async fn scapi_socket(base: &str, origin: &str) -> Socket {
    connect(
        &format!("{}/scapi", base.replacen("http://", "ws://", 1)),
        origin,
    )
    .await
}

/// The next answer or event on `socket` (the frame-id handshake is skipped).
async fn next_message(socket: &mut Socket) -> Value {
    loop {
        let message = next_json(socket).await;
        if message.get("referenceId").is_some() || message.get("event").is_some() {
            return message;
        }
    }
}

/// One request over `/scapi` as `origin`; the answer's `data`.
async fn scapi_request(base: &str, origin: &str, request: &str, parameters: Value) -> Value {
    let mut socket = scapi_socket(base, origin).await;
    let message = json!({"request": request, "parameters": parameters, "referenceId": "7"});
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    loop {
        let answer = next_json(&mut socket).await;
        if answer["referenceId"] == "7" {
            assert!(answer.get("errorMessage").is_none(), "{answer}");
            return answer["data"].clone();
        }
    }
}

#[tokio::test]
async fn the_option_file_answers_get_option_and_auto_answers_calls() {
    let serve = serve_with_options(OPTIONS);

    let options = scapi_request(
        &serve.base,
        "http://app.example",
        "configuration.getOption",
        json!([["MySection/*", "voice.auto-answer"]]),
    )
    .await;
    assert_eq!(
        options,
        json!([
            {"name": "MySection", "options": {"crm.base-url": "https://crm.example.com"}},
            {"name": "interaction-workspace", "options": {"voice.auto-answer": "true"}},
        ])
    );

    assert_eq!(
        call_state(&serve.base).await,
        "TALKING",
        "voice.auto-answer=true answers at once"
    );

    let stderr = serve.stderr.lock().unwrap().clone();
    assert!(
        stderr.contains("[Elsewhere] url: the view's origin https://other.example is not accepted"),
        "the view that will go unanswered is named at start-up:\n{stderr}"
    );
}

/// Subscribes to interaction events, then writes user data of call `id`: the first two
/// messages after the subscription is acknowledged, and how long the answer took.
async fn write_user_data(base: &str, id: &str) -> (Vec<Value>, Duration) {
    let mut socket = scapi_socket(base, "http://app.example").await;
    let subscribe = json!({"event": "subscribe", "data": ["interaction"], "referenceId": "1"});
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    let acknowledged = next_message(&mut socket).await;
    assert_eq!(acknowledged["referenceId"], "1", "{acknowledged}");
    let sent = std::time::Instant::now();
    let request = json!({"request": "interaction.setUserData", "parameters": [id, {"Segment": "Gold"}], "referenceId": "2"});
    socket
        .send(Message::text(request.to_string()))
        .await
        .unwrap();
    let mut messages = Vec::new();
    let mut answered = None;
    while messages.len() < 2 {
        let message = next_message(&mut socket).await;
        if message["referenceId"] == "2" {
            answered = Some(sent.elapsed());
        }
        messages.push(message);
    }
    (messages, answered.expect("the request is answered"))
}

fn kinds(messages: &[Value]) -> Vec<&'static str> {
    messages
        .iter()
        .map(|m| {
            if m.get("event").is_some() {
                "event"
            } else {
                "answer"
            }
        })
        .collect()
}

#[tokio::test]
async fn chaos_timing_delivers_late_and_events_before_their_answer_repeatably() {
    let options = "service-client-api.accepted-web-content-origins=http://app.example\n";

    let calm = serve(options, &[]);
    let call = post(&calm.base, "/api/calls", json!({"ani": "+15551234567"})).await;
    let (messages, _) = write_user_data(&calm.base, call["interactionId"].as_str().unwrap()).await;
    assert_eq!(
        kinds(&messages),
        ["answer", "event"],
        "without chaos the answer comes first"
    );

    let chaotic = serve(
        options,
        &[
            "--latency",
            "60,20",
            "--early-events",
            "100",
            "--chaos-seed",
            "7",
        ],
    );
    assert!(
        chaotic.stdout.iter().any(|line| line.contains(
            "latency 60 ms ± 20 ms, 100 % early events, seed 7 (repeat with --chaos-seed 7)"
        )),
        "the run says how to repeat it: {:?}",
        chaotic.stdout
    );
    let call = post(&chaotic.base, "/api/calls", json!({"ani": "+15551234567"})).await;
    let (messages, answered) =
        write_user_data(&chaotic.base, call["interactionId"].as_str().unwrap()).await;
    assert_eq!(kinds(&messages), ["event", "answer"], "{messages:?}");
    assert_eq!(messages[0]["data"]["eventType"], "ATTACHED_DATA_CHANGED");
    assert!(
        answered >= Duration::from_millis(40),
        "late by at least latency - jitter: {answered:?}"
    );
}

#[test]
fn a_latency_that_is_not_a_number_is_refused_with_the_form_to_use() {
    let output = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
        .args(["serve", "--latency", "fast"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "latency `fast` is not a whole number of milliseconds; write e.g. 50 or 50,20"
        ),
        "{stderr}"
    );
}

async fn call_state(base: &str) -> String {
    let call = post(base, "/api/calls", json!({"ani": "+15551234567"})).await;
    let id = call["interactionId"].as_str().unwrap().to_owned();
    let state = get_json(&format!("{base}/api/state")).await;
    let call = state["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["interactionId"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("call {id} in {state}"));
    call["state"].as_str().unwrap().to_owned()
}

/// Waits until stderr shows `text` a `count`-th time.
async fn wait_for_log(serve: &Serve, text: &str, count: usize) {
    for _ in 0..100 {
        if serve.stderr.lock().unwrap().matches(text).count() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {text:?} in:\n{}", serve.stderr.lock().unwrap());
}

#[tokio::test]
async fn an_edited_option_file_applies_without_restart_and_a_broken_edit_changes_nothing() {
    let accepted = "service-client-api.accepted-web-content-origins=http://app.example\n";
    let serve = serve(accepted, &[]);
    assert_eq!(call_state(&serve.base).await, "RINGING");

    std::fs::write(
        &serve.options,
        format!("{accepted}voice.auto-answer=true\n"),
    )
    .unwrap();
    wait_for_log(&serve, "options reloaded from", 1).await;
    assert_eq!(call_state(&serve.base).await, "TALKING");

    std::fs::write(
        &serve.options,
        "service-client-api.accepted-web-content-origins=app.example\n",
    )
    .unwrap();
    wait_for_log(&serve, "not applied, the previous ones stay", 1).await;
    assert_eq!(
        call_state(&serve.base).await,
        "TALKING",
        "the previous options stay"
    );
    let options = scapi_request(
        &serve.base,
        "http://app.example",
        "configuration.getOption",
        json!(["voice.auto-answer"]),
    )
    .await;
    assert_eq!(options[0]["options"]["voice.auto-answer"], "true");
}
