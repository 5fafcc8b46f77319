//! The `serve` command as a user runs it: printed URLs, a live control API, clean Ctrl-C.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn help_documents_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--listen",
        "--demo-app",
        "--srs",
        "--options",
        "--app",
        "--scenario",
        "--no-demo-app",
        "--no-srs",
        "--token",
        "--latency",
        "--early-events",
        "--chaos-seed",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[tokio::test]
async fn serve_prints_its_urls_answers_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--demo-app",
            "127.0.0.1:0",
            "--srs",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut host = None;
    let mut srs = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.split("(open this):").nth(1) {
            host = Some(url.trim().to_owned());
        }
        if let Some(url) = line.split("Screen Recording Service:").nth(1) {
            srs = Some(url.trim().to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let host = host.expect("the host page URL is printed");
    let srs = srs.expect("the SRS emulator URL is printed");
    // The documented default agent logs in to the SRS emulator that serve starts.
    use agentdesk_srs::client::{ClientConfig, SrsClient};
    use agentdesk_srs::emulator::{DEFAULT_PASSWORD, DEFAULT_USERNAME};
    let client = SrsClient::new(
        ClientConfig::new(
            srs.trim_end_matches('/'),
            DEFAULT_USERNAME,
            DEFAULT_PASSWORD,
        )
        .with_request_timeout(None),
    )
    .unwrap();
    let session = client.login_default().await.unwrap();
    session.logout().await.unwrap();
    let state: serde_json::Value = reqwest::get(format!("{host}api/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["agent"]["username"], "agent1");
    let page = reqwest::get(&host).await.unwrap().text().await.unwrap();
    assert!(page.contains("Inspector"));

    // Ctrl-C: a clean shutdown and exit status 0.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let mut status = None;
    for _ in 0..100 {
        if let Some(done) = child.try_wait().unwrap() {
            status = Some(done);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("serve did not stop on SIGINT");
    });
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l == "stopping"), "{rest:?}");
}
