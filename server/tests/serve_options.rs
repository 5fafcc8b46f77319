//! `serve --options FILE` as a user runs it: the WWE option file answers
//! `configuration.getOption` over the native endpoint, drives the behaviour options, and a view
//! whose origin the policy does not accept is named at start-up.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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
    stderr: Arc<Mutex<String>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_with_options(text: &str) -> Serve {
    let path = std::env::temp_dir().join(format!(
        "agentdesk-serve-options-{}.cfg",
        std::process::id()
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
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buffer) {
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    let mut base = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
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
    let _ = std::fs::remove_file(&path);
    let base = base.unwrap_or_else(|| panic!("no URL; stderr:\n{}", stderr.lock().unwrap()));
    Serve {
        child,
        base,
        stderr,
    }
}

async fn post(base: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// One request over `/scapi` as `origin`; the answer's `data`.
async fn scapi_request(base: &str, origin: &str, request: &str, parameters: Value) -> Value {
    let url = format!("{}/scapi", base.replacen("http://", "ws://", 1));
    let mut handshake = url.into_client_request().unwrap();
    handshake
        .headers_mut()
        .insert("Origin", origin.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(handshake).await.unwrap();
    let message = json!({"request": request, "parameters": parameters, "referenceId": "7"});
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an answer within 5 s")
            .unwrap()
            .unwrap();
        let Message::Text(text) = frame else { continue };
        let answer: Value = serde_json::from_str(&text).unwrap();
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

    let arrived = post(&serve.base, "/api/calls", json!({"ani": "+15551234567"})).await;
    let id = arrived["interactionId"].as_str().unwrap().to_owned();
    let state: Value = reqwest::get(format!("{}/api/state", serve.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call = state["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["interactionId"] == id.as_str())
        .unwrap_or_else(|| panic!("call {id} in {state}"));
    assert_eq!(
        call["state"], "TALKING",
        "voice.auto-answer=true answers at once"
    );

    let stderr = serve.stderr.lock().unwrap().clone();
    assert!(
        stderr.contains("[Elsewhere] url: the view's origin https://other.example is not accepted"),
        "the view that will go unanswered is named at start-up:\n{stderr}"
    );
}
