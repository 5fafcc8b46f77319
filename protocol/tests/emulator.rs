//! The emulator's own protocols: every format round-trips, decodes tag first with errors that
//! name the field, and its encoding is pinned by a snapshot.

use agentdesk_protocol::emulator::chat::{
    ChatClosed, ChatParty, ChatStarted, ChatTranscript, Done, EntryKind, SendText, SetTyping,
    StartChat, StreamFrame, TextSent, TranscriptEntry,
};
use agentdesk_protocol::emulator::control::{
    Action, ActionOutcome, AgentOperation, DesktopState, ErrorBody, HostConfig,
};
use agentdesk_protocol::emulator::relay::{FromPage, ToPage, TraceRecord};
use agentdesk_protocol::scapi::{ServiceMessage, SuccessResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `value` decodes as `T`, and `T` encodes back to exactly `value`.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|error| panic!("{value} does not decode: {error}"));
    assert_eq!(&serde_json::to_value(&typed).unwrap_or_default(), value);
    typed
}

fn relay_from_page() -> Vec<Value> {
    vec![
        json!({ "type": "register", "frame": "app-0", "origin": "http://127.0.0.1:8081", "tab": "tab-1" }),
        json!({ "type": "register", "frame": "app-1", "origin": "http://127.0.0.1:8081" }),
        json!({ "type": "register", "frame": "view-0", "origin": "https://crm.example.com",
                "tab": "tab-1", "view": "CrmPanel" }),
        json!({ "type": "message", "frame": "app-0", "origin": "http://127.0.0.1:8081",
                "data": { "request": "agent.get", "referenceId": "1" } }),
        json!({ "type": "unregister", "frame": "app-0" }),
    ]
}

fn relay_to_page() -> Vec<Value> {
    vec![
        json!({ "type": "post", "frame": "app-0", "targetOrigin": "http://127.0.0.1:8081",
                "data": { "referenceId": "1", "userAgent": "WWE Server", "protocolVersion": 2 } }),
        json!({ "type": "trace", "record": { "at": 1_700_000_000_000_u64, "frame": 1, "recipients": 1,
                "origin": "http://127.0.0.1:8081", "direction": "inbound", "verdict": "allowed",
                "reason": "agent.get", "message": { "request": "agent.get", "referenceId": "1" } } }),
        json!({ "type": "error", "message": "frame \"app-9\" is not registered" }),
        json!({ "type": "state", "state": desktop_state() }),
    ]
}

fn actions() -> Vec<Value> {
    vec![
        json!({ "action": "incoming-call", "ani": "+15551234567", "dnis": "5001", "userData": { "Segment": "Gold" } }),
        json!({ "action": "remote-answer", "interactionId": "3" }),
        json!({ "action": "customer-message", "customer": "Ada", "message": "Hello" }),
        json!({ "action": "customer-message", "customer": "Ada", "message": "Again", "interactionId": "4" }),
        json!({ "action": "customer-hang-up", "interactionId": "3" }),
        json!({ "action": "agent-chat-message", "interactionId": "4", "text": "Hi Ada" }),
        json!({ "action": "agent-typing", "interactionId": "4", "typing": false }),
        json!({ "action": "customer-typing", "interactionId": "4", "typing": true }),
        json!({ "action": "agent", "interactionId": "3", "operation": "markdone" }),
        json!({ "action": "dial", "destination": "5551234" }),
        json!({ "action": "email", "destination": "ada@example.com" }),
        json!({ "action": "preview-record", "mode": "direct" }),
        json!({ "action": "campaign", "campaign": "Offer of the Month", "step": "start" }),
        json!({ "action": "agent-state", "operationName": "Ready" }),
        json!({ "action": "connection", "change": "lost" }),
        json!({ "action": "toast-click", "toastId": "toast-1", "buttonIndex": 0 }),
        json!({ "action": "change-case", "interactionId": "3" }),
        json!({ "action": "change-case", "interactionId": "3", "ids": "both" }),
        json!({ "action": "open-tab", "tab": "tab-2" }),
        json!({ "action": "close-tab", "tab": "tab-1" }),
        json!({ "action": "focus-tab", "tab": "tab-2" }),
    ]
}

fn desktop_state() -> Value {
    json!({
        "agent": { "username": "agent1", "firstname": "Ada", "lastname": "Lovelace" },
        "agentState": "Ready",
        "states": [{ "operationName": "Ready", "displayName": "Ready" }],
        "media": [],
        "interactions": [],
        "toasts": [{ "id": "toast-1", "title": "Offer", "buttons": ["Take it"] }],
        "dialogs": [{ "id": "dialog-1", "url": "https://app.example/d?id=dialog-1", "label": "Survey" },
                    { "id": "dialog-2", "url": "https://app.example/e" }],
        "menuViews": [{ "name": "crm", "label": "CRM records", "shortLabel": "CRM", "tooltip": "Open the CRM" }],
        "srs": "http://127.0.0.1:8082",
        "tabs": [
            { "id": "tab-1", "frameState": "LEADING", "lastActive": false },
            { "id": "tab-2", "frameState": "FOLLOWING", "lastActive": true }
        ]
    })
}

fn chat_stream() -> Vec<Value> {
    vec![
        json!({ "index": 1, "type": "ParticipantJoined", "party": "Client", "from": "Ada", "timestamp": 1 }),
        json!({ "index": 2, "type": "Message", "party": "Agent", "from": "Agent", "text": "Hi", "timestamp": 2 }),
        json!({ "type": "ChatEnded" }),
    ]
}

#[test]
fn relay_frames_round_trip() {
    for frame in relay_from_page() {
        let typed: FromPage = round_trip(&frame);
        assert_eq!(FromPage::decode(&frame.to_string()), Ok(typed));
    }
    for frame in relay_to_page() {
        let typed: ToPage = round_trip(&frame);
        assert_eq!(ToPage::decode(&frame.to_string()), Ok(typed));
    }
    insta::assert_json_snapshot!("relay_from_page", relay_from_page());
    insta::assert_json_snapshot!("relay_to_page", relay_to_page());
}

#[test]
fn borrowed_relay_encoders_write_the_typed_frames() {
    let reply = ServiceMessage::Success(SuccessResponse::new("1", None));
    let post = ToPage::post_text("app-0", "http://127.0.0.1:8081", &reply).unwrap_or_default();
    let Ok(ToPage::Post {
        frame,
        target_origin,
        data,
    }) = ToPage::decode(&post)
    else {
        panic!("{post} is no post frame");
    };
    assert_eq!(
        (frame.as_str(), target_origin.as_str()),
        ("app-0", "http://127.0.0.1:8081")
    );
    assert_eq!(data, reply.to_value());

    let record: TraceRecord = round_trip(&relay_to_page()[1]["record"]);
    let trace = ToPage::trace_text(&record).unwrap_or_default();
    assert_eq!(ToPage::decode(&trace), Ok(ToPage::Trace { record }));

    let error = ToPage::error_text("no \"such\" frame");
    assert_eq!(
        ToPage::decode(&error),
        Ok(ToPage::Error {
            message: "no \"such\" frame".into()
        })
    );
}

#[test]
fn relay_frames_decode_tag_first_and_name_the_field() {
    let errors: Vec<String> = [
        r#"{"frame":"app-0"}"#,
        r#"{"type":"hello","frame":"app-0"}"#,
        r#"{"type":7}"#,
        r#"{"type":"register","origin":"http://a.example"}"#,
        r#"[1]"#,
        r#"{"type":"message""#,
    ]
    .into_iter()
    .map(|text| FromPage::decode(text).map_or_else(|e| e.to_string(), |ok| format!("{ok:?}")))
    .collect();
    insta::assert_json_snapshot!("relay_decode_errors", errors);
}

#[test]
fn every_action_round_trips_and_decodes_tag_first() {
    let all = actions();
    for action in &all {
        let typed: Action = round_trip(action);
        assert_eq!(Action::decode(&action.to_string()), Ok(typed));
    }
    let mut named: Vec<&str> = all.iter().filter_map(|a| a["action"].as_str()).collect();
    named.dedup();
    assert_eq!(
        named,
        Action::NAMES,
        "one example per action, in declaration order"
    );
    insta::assert_json_snapshot!("actions", all);
}

#[test]
fn actions_fill_their_defaults() {
    let call = Action::decode(r#"{"action":"incoming-call","ani":"+1555"}"#);
    assert_eq!(
        call.map(|a| serde_json::to_value(a).unwrap_or_default()),
        Ok(json!({ "action": "incoming-call", "ani": "+1555", "dnis": "5001", "userData": {} }))
    );
    let chat = Action::decode(r#"{"action":"customer-message","message":"Hi"}"#);
    assert_eq!(
        chat.map(|a| serde_json::to_value(a).unwrap_or_default()),
        Ok(json!({ "action": "customer-message", "customer": "Customer", "message": "Hi" }))
    );
}

#[test]
fn action_errors_name_the_field_and_the_fix() {
    let errors: Vec<String> = [
        r#"{"ani":"+1555"}"#,
        r#"{"action":"ring","ani":"+1555"}"#,
        r#"{"action":"incoming-call"}"#,
        r#"{"action":"incoming-call","ani":"+1555","colour":"red"}"#,
        r#"{"action":"connection","change":"DISCONNECTED"}"#,
        r#"{"action":"campaign","campaign":"Offer of the Month","action":"start"}"#,
    ]
    .into_iter()
    .map(|text| Action::decode(text).map_or_else(|e| e.to_string(), |ok| format!("{ok:?}")))
    .collect();
    insta::assert_json_snapshot!("action_decode_errors", errors);
}

#[test]
fn shortcut_fields_take_the_routes_tag() {
    let fields = json!({ "interactionId": "3", "operation": "hold" });
    let Value::Object(fields) = fields else {
        unreachable!("an object literal")
    };
    assert_eq!(
        Action::from_fields("agent", fields.clone()),
        Ok(
            Action::decode(r#"{"action":"agent","interactionId":"3","operation":"hold"}"#)
                .unwrap_or_else(|e| panic!("{e}"))
        )
    );
    let mut tagged = fields;
    tagged.insert("action".into(), json!("dial"));
    let refused = Action::from_fields("agent", tagged).map_err(|e| e.to_string());
    assert!(refused.is_err_and(|e| e.contains("leave `action` out")));
    assert_eq!(
        AgentOperation::from_name("hangup"),
        Some(AgentOperation::Hangup)
    );
    for operation in AgentOperation::ALL {
        assert_eq!(
            serde_json::to_value(operation).unwrap_or_default(),
            json!(operation.as_str())
        );
    }
}

#[test]
fn control_documents_round_trip() {
    let state: DesktopState = round_trip(&desktop_state());
    assert_eq!(state.dialogs[0].label.as_deref(), Some("Survey"));
    assert_eq!(state.menu_views[0].short_label.as_deref(), Some("CRM"));
    let outcome: ActionOutcome =
        round_trip(&json!({ "ok": true, "interactionId": null, "events": 2 }));
    let config: HostConfig =
        round_trip(&json!({ "apps": ["http://127.0.0.1:8081/"], "views": [], "srs": null }));
    let with_views: HostConfig = round_trip(&json!({
        "apps": [],
        "views": [{
            "section": "CallNotes", "label": "Notes", "level": "interaction", "mode": "background",
            "url": "https://crm.example/notes?i=$Interaction.Id$&a=agent1",
            "accepted": true, "dialOnly": false
        }],
        "srs": null
    }));
    assert_eq!(with_views.views[0].section, "CallNotes");
    let error: ErrorBody = round_trip(&json!({ "error": "No interaction '9'." }));
    assert_eq!(outcome, ActionOutcome::new(None, 2));
    assert_eq!(
        config,
        HostConfig::new(vec!["http://127.0.0.1:8081/".into()], None)
    );
    assert_eq!(error, ErrorBody::new("No interaction '9'."));
    insta::assert_json_snapshot!("desktop_state", state);
}

#[test]
fn chat_bodies_round_trip() {
    let start: StartChat = round_trip(
        &json!({ "nickname": "Ada", "email": "ada@example.com", "userData": { "Order": 42 } }),
    );
    assert_eq!(start.customer(), "Ada");
    let named: StartChat = round_trip(&json!({ "firstName": "Ada", "lastName": "Lovelace" }));
    assert_eq!(named.customer(), "Ada Lovelace");
    assert_eq!(StartChat::default().customer(), "Customer");
    let started: ChatStarted = round_trip(&json!({ "chatId": "c0ffee", "interactionId": "4",
        "customer": "Ada", "streamPath": "/chat/sessions/c0ffee/stream" }));
    assert_eq!(started.chat_id, "c0ffee");
    let _: SendText = round_trip(&json!({ "text": "Hello" }));
    let _: TextSent = round_trip(&json!({ "ok": true, "index": 3 }));
    let typing: SetTyping = serde_json::from_value(json!({})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(typing, SetTyping::new(true));
    assert_eq!(
        serde_json::to_value(Done::new()).unwrap_or_default(),
        json!({ "ok": true })
    );
    assert_eq!(
        serde_json::to_value(ChatClosed::new()).unwrap_or_default(),
        json!({ "ok": true, "ended": true })
    );
    let transcript: ChatTranscript = round_trip(&json!({
        "interactionId": "4", "customer": "Ada", "ended": false,
        "entries": [chat_stream()[0], chat_stream()[1]]
    }));
    assert_eq!(
        transcript.entries[1],
        TranscriptEntry::new(
            2,
            EntryKind::Message,
            ChatParty::Agent,
            "Agent".into(),
            Some("Hi".into()),
            2
        )
    );
    insta::assert_json_snapshot!("chat_transcript", transcript);
}

#[test]
fn chat_stream_frames_round_trip_and_name_the_field() {
    let frames: Vec<StreamFrame> = chat_stream().iter().map(round_trip).collect();
    assert_eq!(frames[2], StreamFrame::ChatEnded);
    insta::assert_json_snapshot!("chat_stream", frames);
    let errors: Vec<String> = [
        r#"{"index":1,"type":"Waved","party":"Client","from":"Ada","timestamp":1}"#,
        r#"{"type":"Message"}"#,
    ]
    .into_iter()
    .map(|text| StreamFrame::decode(text).map_or_else(|e| e.to_string(), |ok| format!("{ok:?}")))
    .collect();
    insta::assert_json_snapshot!("chat_stream_errors", errors);
}
