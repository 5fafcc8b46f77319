//! End to end in a real headless chromium: the host page embeds the demo app on another origin,
//! and the app talks to the engine through the page's relay exactly as an app written for
//! Genesys's client library would.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test is skipped locally and
//! fails under CI, so CI cannot pass without having run it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cdp;

use std::path::Path;
use std::time::Duration;

use agentdesk_server::emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

const OPTIONS: &str = "
[interaction-workspace]
service-client-api.accepted-web-content-origins=$DEMO_APP$
service-client-api.rate-limit.voice.dial=2
service-client-api.rate-limit-quarantine-delay=30
service-client-api.user-data.write-allowed=Key1
service-client-api.user-data.read-allowed=*
";

/// The app's reports in the order the app made them (they arrive concurrently).
async fn reports(app: &str) -> Vec<Value> {
    let body = reqwest::get(format!("{app}reports"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut list: Vec<Value> = serde_json::from_str(&body).unwrap();
    list.sort_by_key(|report| report["seq"].as_u64());
    list
}

async fn wait_for(app: &str, step: &str) -> Vec<Value> {
    for _ in 0..300 {
        let list = reports(app).await;
        if list.iter().any(|r| r["step"] == step) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the app never reported {step:?}: {:#?}", reports(app).await);
}

fn step<'a>(list: &'a [Value], name: &str) -> &'a Value {
    &list
        .iter()
        .find(|r| r["step"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list:#?}"))["value"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_in_a_cross_origin_iframe_speaks_the_service_client_api() {
    let Some(chromium) = cdp::chromium_path() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required under CI (apt-get install chromium)"
        );
        eprintln!("skipped: chromium is not installed");
        return;
    };
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.options = Some(OPTIONS.to_owned());
    let emulator = Emulator::start(config).await.unwrap();
    let app = emulator.app_url.clone().unwrap();
    let mut browser = cdp::Browser::launch(&chromium).await.unwrap();
    browser
        .navigate(&format!("{}?selftest", emulator.host_url))
        .await
        .unwrap();

    let list = wait_for(&app, "subscribed").await;
    assert_eq!(
        step(&list, "agent.get")["result"]["data"]["username"],
        "agent1"
    );
    assert!(
        step(&list, "subscribed")["ok"].as_bool().unwrap(),
        "{list:#?}"
    );

    // The outside world: a call arrives through the control API.
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{}api/calls", emulator.host_url))
        .json(&json!({ "ani": "+15551234567", "userData": { "Key1": "VIP" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["ok"], true);

    let list = wait_for(&app, "done").await;
    let events: Vec<&Value> = list
        .iter()
        .filter(|r| r["step"] == "event")
        .map(|r| &r["value"])
        .collect();
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["data"]["eventType"].as_str())
        .collect();
    assert!(types.starts_with(&["ADDED", "RINGING"]), "{types:?}");
    assert_eq!(events[1]["data"]["interaction"]["ani"], "+15551234567");
    assert_eq!(events[1]["data"]["interaction"]["userData"]["Key1"], "VIP");
    assert_eq!(events[1]["userAgent"], "WWE Server");

    assert_eq!(step(&list, "write.allowed")["ok"], true, "{list:#?}");
    let forbidden = step(&list, "write.forbidden");
    assert_eq!(forbidden["ok"], false);
    assert!(
        forbidden["error"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Secret"),
        "{forbidden}"
    );
    let filtered = step(&list, "filtered");
    assert_eq!(
        filtered["error"]["errorMessage"],
        format!(
            "The request 'auth.getJwtToken' is not allowed for the origin '{}'.",
            app.trim_end_matches('/')
        )
    );
    assert_eq!(step(&list, "dial.0")["ok"], true);
    assert_eq!(step(&list, "dial.1")["ok"], true);
    let limited = &step(&list, "dial.2")["error"];
    assert_eq!(
        limited["errorMessage"],
        "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."
    );
    assert_eq!(limited["request"], "voice.dial");
    // Then silence: the app's own timeout fires, exactly as with Genesys's library.
    assert_eq!(step(&list, "dial.3")["error"], "Request timeout");

    // The host page shows the call and the inspector saw the decisions.
    let rows = browser
        .evaluate("document.querySelectorAll('#interactions tbody tr').length")
        .await
        .unwrap();
    assert!(rows.as_u64().unwrap() >= 1, "{rows}");
    let timeline = browser
        .evaluate("document.getElementById('timeline').textContent")
        .await
        .unwrap();
    let timeline = timeline.as_str().unwrap();
    assert!(
        timeline.contains("[denied]") && timeline.contains("[ignored]"),
        "{timeline}"
    );
    let traffic: Value = reqwest::get(format!("{}api/traffic", emulator.host_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        traffic["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["verdict"] == "ignored"
                && t["reason"].as_str().unwrap_or("").contains("quarantined"))
    );

    let artifact = Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/host-page.png");
    browser.screenshot(&artifact).await.unwrap();
    assert!(std::fs::metadata(&artifact).unwrap().len() > 10_000);
    drop(browser);
    emulator.shutdown().await;
}
