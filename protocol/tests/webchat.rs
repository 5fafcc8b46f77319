#![allow(clippy::unwrap_used, clippy::expect_used)]
//! WebChatService wire types: fixture round trips, schema agreement, snapshots.

use std::path::{Path, PathBuf};

use agentdesk_protocol::webchat::gms::{GmsResponse, GmsTranscriptEvent, RequestChat, StatusCode};
use agentdesk_protocol::webchat::guest::{
    self, CreateConversationRequest, CreateConversationResponse, ErrorBody, FrameKind,
    MessageListing, SendMessageRequest, StreamFrame, WebChatMemberInfo,
};
use agentdesk_protocol::webchat::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webchat")
}

fn schema(type_name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schema/webchat")
        .join(format!("{type_name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn assert_schema_accepts(type_name: &str, value: &Value, what: &str) {
    let validator = jsonschema::validator_for(&schema(type_name)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: schema {type_name} rejects it: {errors:?}"
    );
}

fn assert_schema_rejects(type_name: &str, value: &Value, what: &str) {
    let validator = jsonschema::validator_for(&schema(type_name)).unwrap();
    assert!(
        !validator.is_valid(value),
        "{what}: schema {type_name} accepts it"
    );
}

/// Decodes typed, re-encodes, compares as values, and validates against the schema.
fn round_trip<T: Serialize + DeserializeOwned>(type_name: &str, value: &Value, what: &str) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{what}: does not decode as {type_name}: {e}"));
    let again = serde_json::to_value(&typed).unwrap();
    assert_eq!(&again, value, "{what}: re-encoding differs");
    assert_schema_accepts(type_name, value, what);
    typed
}

fn check_fixture(file: &str, value: &Value) {
    let prefix = |p: &str| file.starts_with(p);
    if prefix("config_") {
        round_trip::<WebChatConfig>("WebChatConfig", value, file);
    } else if prefix("widgets_") {
        round_trip::<WidgetsConfig>("WidgetsConfig", value, file);
    } else if prefix("command_") {
        let command: WebChatCommand = round_trip("WebChatCommand", value, file);
        assert!(
            !matches!(command, WebChatCommand::Unknown(_)),
            "{file}: decoded as Unknown"
        );
        assert_eq!(command.name(), value["command"], "{file}");
    } else if prefix("event_") {
        let event: WebChatEvent = round_trip("WebChatEvent", value, file);
        assert!(
            !matches!(event, WebChatEvent::Unknown(_)),
            "{file}: decoded as Unknown"
        );
        assert_eq!(event.name(), value["event"], "{file}");
    } else if prefix("agents_") {
        round_trip::<AgentsSummary>("AgentsSummary", value, file);
    } else if prefix("stats_") {
        round_trip::<ChatStats>("ChatStats", value, file);
    } else if prefix("session_data_") {
        let data: SessionData = round_trip("SessionData", value, file);
        let gms = matches!(data, SessionData::Gms(_));
        assert_eq!(gms, file.contains("gms"), "{file}: wrong variant {data:?}");
    } else if prefix("verify_") {
        round_trip::<SessionActive>("SessionActive", value, file);
    } else if prefix("transcript") {
        round_trip::<Transcript>("Transcript", value, file);
    } else if prefix("message_received_") {
        round_trip::<MessageReceived>("MessageReceived", value, file);
    } else if prefix("gms_response_") {
        let reply: GmsResponse = round_trip("GmsResponse", value, file);
        for event in reply.messages.iter().flatten() {
            assert!(!matches!(event.kind, MessageType::Other(_)), "{file}");
        }
    } else if prefix("frame_") {
        let frame: StreamFrame = round_trip("StreamFrame", value, file);
        let kind = frame.kind().unwrap();
        assert!(
            !matches!(kind, FrameKind::Other(_)),
            "{file}: unknown frame type"
        );
        assert_eq!(
            matches!(kind, FrameKind::Heartbeat),
            file.contains("heartbeat"),
            "{file}"
        );
    } else if prefix("create_request") {
        round_trip::<CreateConversationRequest>("CreateConversationRequest", value, file);
    } else if prefix("create_response") {
        round_trip::<CreateConversationResponse>("CreateConversationResponse", value, file);
    } else if prefix("member_") {
        round_trip::<WebChatMemberInfo>("WebChatMemberInfo", value, file);
    } else if prefix("send_message_request") {
        round_trip::<SendMessageRequest>("SendMessageRequest", value, file);
    } else if prefix("message_listing") {
        round_trip::<MessageListing>("MessageListing", value, file);
    } else if prefix("error_body") {
        round_trip::<ErrorBody>("ErrorBody", value, file);
    } else {
        panic!("{file}: no type registered for this fixture prefix");
    }
}

#[test]
fn every_fixture_round_trips_and_validates() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        check_fixture(&file, &value);
        count += 1;
    }
    assert!(count >= 60, "only {count} fixtures found");
}

#[test]
fn every_known_command_and_event_has_a_fixture() {
    let names: Vec<Value> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| {
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();
    let has = |key: &str, name: &str| {
        names
            .iter()
            .any(|v: &Value| v.get(key) == Some(&json!(name)))
    };
    for name in WebChatCommand::KNOWN {
        assert!(has("command", name), "no fixture for command {name}");
    }
    for name in WebChatEvent::KNOWN {
        assert!(has("event", name), "no fixture for event {name}");
    }
}

#[test]
fn fixtures_snapshot() {
    insta::glob!("fixtures/webchat/*.json", |path| {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        // The snapshot is the typed re-encoding: it pins field order and spelling.
        let typed = typed_reencode(&file, &value);
        insta::assert_json_snapshot!(typed);
    });
}

fn typed_reencode(file: &str, value: &Value) -> Value {
    fn via<T: Serialize + DeserializeOwned>(value: &Value) -> Value {
        serde_json::to_value(serde_json::from_value::<T>(value.clone()).unwrap()).unwrap()
    }
    match file.split('_').next().unwrap() {
        "command" => via::<WebChatCommand>(value),
        "event" => via::<WebChatEvent>(value),
        "gms" => via::<GmsResponse>(value),
        "frame" => via::<StreamFrame>(value),
        _ => value.clone(),
    }
}

#[test]
fn unknown_names_are_kept_verbatim() {
    let raw = json!({ "event": "holographicAgentArrived", "data": { "x": [1, 2] }, "extra": true });
    let event: WebChatEvent = serde_json::from_value(raw.clone()).unwrap();
    assert!(matches!(event, WebChatEvent::Unknown(_)));
    assert_eq!(event.name(), "holographicAgentArrived");
    assert_eq!(serde_json::to_value(&event).unwrap(), raw);

    let raw = json!({ "command": "teleport", "options": {} });
    let command: WebChatCommand = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(command.name(), "teleport");
    assert_eq!(serde_json::to_value(&command).unwrap(), raw);

    let message: Message =
        serde_json::from_value(json!({ "type": "Hologram", "from": { "type": "Alien" } })).unwrap();
    assert_eq!(message.kind, MessageType::from("Hologram"));
    assert!(!message.kind.is_known());
    assert_eq!(message.party_type(), Some(&PartyType::from("Alien")));

    let transport: TransportConfig =
        serde_json::from_value(json!({ "type": "carrier-pigeon" })).unwrap();
    assert_eq!(
        transport.transport_type,
        Some(TransportType::from("carrier-pigeon"))
    );
    let reply: GmsResponse = serde_json::from_value(json!({ "statusCode": 7 })).unwrap();
    assert_eq!(reply.status_code, StatusCode(7));
}

#[test]
fn known_name_with_malformed_payload_is_an_error_not_unknown() {
    let cases = [
        (
            json!({ "event": "messageReceived", "data": { "messages": "nope" } }),
            "WebChatEvent",
            "`data` of `messageReceived`",
        ),
        (
            json!({ "event": "agentConnected", "data": {} }),
            "WebChatEvent",
            "`data` of `agentConnected`",
        ),
        (
            json!({ "command": "startChat", "options": { "nickname": 42 } }),
            "WebChatCommand",
            "`options` of `startChat`",
        ),
        (
            json!({ "command": "downloadFile", "options": {} }),
            "WebChatCommand",
            "`options` of `downloadFile`",
        ),
    ];
    for (value, type_name, expected) in cases {
        let error = if type_name == "WebChatEvent" {
            serde_json::from_value::<WebChatEvent>(value.clone())
                .unwrap_err()
                .to_string()
        } else {
            serde_json::from_value::<WebChatCommand>(value.clone())
                .unwrap_err()
                .to_string()
        };
        assert!(
            error.contains(expected),
            "{value}: error {error:?} does not name {expected}"
        );
        assert_schema_rejects(type_name, &value, &value.to_string());
    }
    let error = serde_json::from_value::<WebChatEvent>(json!({ "data": {} })).unwrap_err();
    assert!(
        error.to_string().contains("missing field `event`"),
        "{error}"
    );
    let error = serde_json::from_value::<WebChatEvent>(json!({ "event": 3 })).unwrap_err();
    assert!(
        error.to_string().contains("`event` must be a string"),
        "{error}"
    );
}

#[test]
fn invalid_payloads_are_rejected_by_serde_and_schema() {
    let cases: [(&str, Value); 6] = [
        ("GmsResponse", json!({ "statusCode": "0" })),
        ("GmsResponse", json!({ "chatEnded": true })),
        (
            "GmsTranscriptEvent",
            json!({ "from": { "type": "Agent" }, "type": "Message" }),
        ),
        (
            "CreateConversationResponse",
            json!({ "id": "abc", "jwt": "j" }),
        ),
        (
            "WebChatMemberInfo",
            json!({ "id": "m", "displayName": "x" }),
        ),
        ("SessionActive", json!({ "sessionActive": "yes" })),
    ];
    for (type_name, value) in cases {
        let serde_ok = match type_name {
            "GmsResponse" => serde_json::from_value::<GmsResponse>(value.clone()).is_ok(),
            "GmsTranscriptEvent" => {
                serde_json::from_value::<GmsTranscriptEvent>(value.clone()).is_ok()
            }
            "CreateConversationResponse" => {
                serde_json::from_value::<CreateConversationResponse>(value.clone()).is_ok()
            }
            "WebChatMemberInfo" => {
                serde_json::from_value::<WebChatMemberInfo>(value.clone()).is_ok()
            }
            _ => serde_json::from_value::<SessionActive>(value.clone()).is_ok(),
        };
        assert!(!serde_ok, "serde accepts invalid {type_name}: {value}");
        assert_schema_rejects(type_name, &value, &value.to_string());
    }
}

#[test]
fn gms_transcript_events_normalise() {
    let reply: GmsResponse = serde_json::from_str(
        &std::fs::read_to_string(fixtures_dir().join("gms_response_spec_request_chat.json"))
            .unwrap(),
    )
    .unwrap();
    let keys = reply.session_keys().unwrap();
    assert_eq!(keys.chat_id, "0001Xy9ZtQ000ABC");
    let event: GmsTranscriptEvent = serde_json::from_value(json!({
        "from": { "nickname": "Ann", "participantId": 1, "type": "Customer" },
        "index": 4, "type": "Message", "text": "hello", "utcTime": 1700000004000_i64,
        "userData": { "k": "v" }
    }))
    .unwrap();
    insta::assert_json_snapshot!("gms_customer_message_normalised", event.to_message());
    let form = RequestChat {
        nickname: Some("Ann".into()),
        user_data: [("TimeZone".to_owned(), json!(-480))].into_iter().collect(),
        ..RequestChat::default()
    }
    .form();
    assert_eq!(
        form,
        vec![
            ("nickname".to_owned(), "Ann".to_owned()),
            ("userData[TimeZone]".to_owned(), "-480".to_owned()),
        ]
    );
}

#[test]
fn guest_messages_normalise() {
    let frame: StreamFrame = serde_json::from_str(
        &std::fs::read_to_string(fixtures_dir().join("frame_spec_message.json")).unwrap(),
    )
    .unwrap();
    let FrameKind::Message(message) = frame.kind().unwrap() else {
        panic!("not a message")
    };
    let agent: WebChatMemberInfo = serde_json::from_str(
        &std::fs::read_to_string(fixtures_dir().join("member_agent.json")).unwrap(),
    )
    .unwrap();
    insta::assert_json_snapshot!(
        "guest_agent_message_normalised",
        message.to_message(Some(&agent))
    );
    assert_eq!(
        guest::iso8601_millis("2024-01-01T10:00:00.000Z"),
        Some(1_704_103_200_000)
    );
    assert_eq!(guest::iso8601_millis("1970-01-01T00:00:01.5Z"), Some(1_500));
    assert_eq!(guest::iso8601_millis("yesterday"), None);
    assert_eq!(
        StreamFrame::heartbeat().kind().unwrap(),
        FrameKind::Heartbeat
    );
}

#[test]
fn start_chat_fields_fall_back_to_the_form() {
    let options: StartChatOptions = serde_json::from_value(json!({
        "nickname": "", "form": { "nickname": "Ann", "email": "ann@example.com" }, "subject": "Help"
    }))
    .unwrap();
    assert_eq!(options.field(FormField::Nickname), Some("Ann"));
    assert_eq!(options.field(FormField::Email), Some("ann@example.com"));
    assert_eq!(options.field(FormField::Subject), Some("Help"));
    assert_eq!(options.field(FormField::Lastname), None);
}

#[test]
fn rejection_texts_are_exact() {
    assert_eq!(
        RejectionText::AlreadyActive.as_str(),
        "There is already an active chat session"
    );
    assert_eq!(
        RejectionText::from("No message text provided"),
        RejectionText::NoMessageText
    );
    assert_eq!(
        RejectionText::message_too_long(10).as_str(),
        "Message length exceeds configured threshold of (10) characters"
    );
}

#[test]
fn gms_ids_may_be_numbers_or_strings_and_keep_their_form() {
    let numeric = json!({
        "statusCode": 0, "alias": 117, "userId": 4_012, "secureKey": "5c1e", "chatId": "0001Xy",
        "chatEnded": false
    });
    let reply = round_trip::<GmsResponse>("GmsResponse", &numeric, "numeric alias");
    let keys = reply.session_keys().unwrap();
    assert_eq!(keys.alias.as_str(), "117");
    assert!(keys.alias.is_number());
    assert_eq!(
        keys.form()
            .into_iter()
            .filter(|(k, _)| k == "alias" || k == "userId")
            .collect::<Vec<_>>(),
        [
            ("userId".to_owned(), "4012".to_owned()),
            ("alias".to_owned(), "117".to_owned())
        ]
    );
    let data = serde_json::to_value(SessionData::Gms(keys.session_data())).unwrap();
    assert_eq!(
        data,
        json!({ "sessionID": "0001Xy", "userId": 4_012, "secureKey": "5c1e", "alias": 117 })
    );
    round_trip::<SessionData>("SessionData", &data, "numeric session data");
    let strings = json!({ "sessionID": 9, "userId": "u", "secureKey": "k", "alias": "117" });
    round_trip::<SessionData>("SessionData", &strings, "string session data");
    assert!(
        serde_json::from_value::<GmsResponse>(json!({ "statusCode": 0, "alias": true })).is_err()
    );
}
