//! Argument leniency end to end: requests with parameters a JavaScript Workspace would
//! convert are answered as if sent converted, and the traffic log says what was converted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use agentdesk_protocol::emulator::relay::{FromPage, ToPage, TraceDirection, TraceRecord, Verdict};
use agentdesk_server::emulator::{Emulator, EmulatorConfig, RunningEmulator};
use futures_util::SinkExt;
use serde_json::{Value, json};
use support::{Socket, get_json, next_json, post_json};
use tokio_tungstenite::tungstenite::Message;

const APP: &str = "http://native.example";

async fn start() -> RunningEmulator {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.options = Some(format!(
        "service-client-api.accepted-web-content-origins={APP}"
    ));
    Emulator::start(config).await.unwrap()
}

/// A host page's relay socket with one frame of [`APP`], its handshake read.
async fn host_page(emulator: &RunningEmulator) -> Socket {
    let url = format!("{}relay", emulator.host_url.replacen("http", "ws", 1));
    let mut socket = support::connect(&url, emulator.host_url.trim_end_matches('/')).await;
    send(
        &mut socket,
        &FromPage::Register {
            frame: "app".into(),
            origin: APP.into(),
            tab: None,
            view: None,
        },
    )
    .await;
    loop {
        if let Ok(ToPage::Post { data, .. }) =
            ToPage::decode(&next_json(&mut socket).await.to_string())
            && data["frameId"].is_string()
        {
            return socket;
        }
    }
}

async fn send(socket: &mut Socket, frame: &FromPage) {
    let text = serde_json::to_string(frame).unwrap();
    socket.send(Message::Text(text.into())).await.unwrap();
}

/// Posts `request(parameters)` from the frame; its answer and the trace record of it.
async fn exchange(
    socket: &mut Socket,
    reference: &str,
    request: &str,
    parameters: Value,
) -> (Value, TraceRecord) {
    let data = json!({ "request": request, "parameters": parameters, "referenceId": reference,
                       "userAgent": "WWE Client", "protocolVersion": 2 });
    send(
        socket,
        &FromPage::Message {
            frame: "app".into(),
            origin: APP.into(),
            data,
        },
    )
    .await;
    let (mut answer, mut traced) = (None, None);
    // The answer and the trace record travel apart; either may come first.
    while answer.is_none() || traced.is_none() {
        let frame = tokio::time::timeout(Duration::from_secs(5), next_json(socket))
            .await
            .unwrap();
        match ToPage::decode(&frame.to_string()) {
            Ok(ToPage::Post { data, .. }) if data["referenceId"] == reference => {
                answer = Some(data);
            }
            Ok(ToPage::Trace { record })
                if record.direction == TraceDirection::Inbound
                    && record.message["referenceId"] == reference =>
            {
                traced = Some(record);
            }
            _ => {}
        }
    }
    (answer.unwrap(), traced.unwrap())
}

fn assert_answered(answer: &Value, request: &str) {
    assert!(answer.get("errorMessage").is_none(), "{request}: {answer}");
}

#[tokio::test]
async fn a_numeric_interaction_id_answers_the_ringing_call_and_the_trace_says_coerced() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut page = host_page(&emulator).await;
    let created = post_json(
        &format!("{host}api/calls"),
        &json!({ "ani": "+15551234567" }),
    )
    .await;
    let id = created["interactionId"].as_str().unwrap().to_owned();
    let number: u64 = id.parse().expect("simulated interaction ids are counters");

    let (answer, record) = exchange(&mut page, "1", "voice.answer", json!([number])).await;
    assert_answered(&answer, "voice.answer");
    assert_eq!(record.verdict, Verdict::Allowed);
    assert!(
        record.reason.ends_with(&format!(
            " (coerced: argument 0 `interactionId`: number {number} → \"{id}\")"
        )),
        "{}",
        record.reason
    );
    // The trace keeps the message as the app sent it.
    assert_eq!(record.message["parameters"], json!([number]));

    let state = get_json(&format!("{host}api/state")).await;
    let answered = state["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["interactionId"] == id.as_str())
        .unwrap();
    assert_eq!(answered["state"], "TALKING");

    // A request that needed no conversion says nothing about it.
    let (answer, record) = exchange(&mut page, "2", "voice.hold", json!([id])).await;
    assert_answered(&answer, "voice.hold");
    assert!(!record.reason.contains("coerced"), "{}", record.reason);

    // What no JavaScript could use is refused, naming the parameter.
    let (answer, record) = exchange(&mut page, "3", "voice.resume", json!([{ "id": id }])).await;
    let refusal = answer["errorMessage"].as_str().unwrap();
    assert!(
        refusal.starts_with("Invalid message: $.parameters[0]: expected a string, found an object"),
        "{refusal}"
    );
    assert!(refusal.contains("argument 0 `interactionId`"), "{refusal}");
    assert_eq!(record.verdict, Verdict::Denied);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_string_record_handle_dials_the_previewed_record() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut page = host_page(&emulator).await;
    let preview = post_json(
        &format!("{host}api/outbound/preview"),
        &json!({ "mode": "pull" }),
    )
    .await;
    assert_eq!(preview["ok"], true, "{preview}");
    let state = get_json(&format!("{host}api/state")).await;
    let record = state["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["userData"]["GSW_RECORD_HANDLE"].is_string())
        .unwrap()
        .clone();
    let id = record["interactionId"].as_str().unwrap();
    // The handle as the record carries it: a string.
    let handle = record["userData"]["GSW_RECORD_HANDLE"].as_str().unwrap();

    let (answer, traced) = exchange(
        &mut page,
        "1",
        "outbound.rescheduleRecord",
        json!([id, handle, "2026-12-02T10:00:00.000Z", "PERSONAL"]),
    )
    .await;
    assert_answered(&answer, "outbound.rescheduleRecord");
    assert!(
        traced.reason.ends_with(&format!(
            " (coerced: argument 1 `recordHandle`: string \"{handle}\" → {handle}; argument 2 `rescheduleDate`: string \"2026-12-02T10:00:00.000Z\" → \"12/2/2026 10:00\")"
        )),
        "{}",
        traced.reason
    );

    let (answer, traced) = exchange(
        &mut page,
        "2",
        "outbound.callPreviewRecord",
        json!([id, handle]),
    )
    .await;
    assert_answered(&answer, "outbound.callPreviewRecord");
    assert!(
        traced.reason.ends_with(&format!(
            " (coerced: argument 1 `recordHandle`: string \"{handle}\" → {handle})"
        )),
        "{}",
        traced.reason
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_css_pixel_width_pops_a_toast_of_that_width() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut page = host_page(&emulator).await;
    let (answer, traced) = exchange(
        &mut page,
        "1",
        "system.popupToast",
        json!([{ "title": "Hello", "message": "Lenient", "width": "500px" }]),
    )
    .await;
    assert_answered(&answer, "system.popupToast");
    assert!(answer["data"].is_string(), "{answer}");
    assert!(
        traced
            .reason
            .ends_with(" (coerced: argument 0 `parameters`.width: string \"500px\" → 500)"),
        "{}",
        traced.reason
    );
    let state = get_json(&format!("{host}api/state")).await;
    assert_eq!(state["toasts"][0]["width"], 500, "{state}");

    // A relative width is refused, naming the field and the fix.
    let (answer, _) = exchange(
        &mut page,
        "2",
        "system.popupToast",
        json!([{ "title": "Hello", "width": "50%" }]),
    )
    .await;
    let refusal = answer["errorMessage"].as_str().unwrap();
    assert!(refusal.contains("$.parameters[0].width"), "{refusal}");
    assert!(refusal.contains("send 500 or \"500px\""), "{refusal}");
    emulator.shutdown().await;
}
