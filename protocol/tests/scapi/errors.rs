//! Malformed input: a typed error naming the path and the problem, never a panic.

use agentdesk_protocol::scapi::{ClientMessage, ServiceMessage};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Client messages that must be rejected, with the path the error must name.
pub(crate) fn invalid_client_messages() -> Vec<(Value, &'static str)> {
    vec![
        (json!({ "request": 5, "referenceId": "1" }), "$.request"),
        (
            json!({ "request": "agent.get", "parameters": {}, "referenceId": "1" }),
            "$.parameters",
        ),
        (
            json!({ "request": "agent.get", "parameters": "x", "referenceId": "1" }),
            "$.parameters",
        ),
        (json!({ "request": "agent.get" }), "$.referenceId"),
        (
            json!({ "request": "agent.get", "referenceId": "" }),
            "$.referenceId",
        ),
        (
            json!({ "request": "agent.get", "referenceId": 1 }),
            "$.referenceId",
        ),
        (
            json!({ "request": "agent.get", "referenceId": "1", "protocolVersion": "2" }),
            "$.protocolVersion",
        ),
        (
            json!({ "request": "agent.get", "referenceId": "1", "protocolVersion": 2.5 }),
            "$.protocolVersion",
        ),
        (
            json!({ "request": "agent.get", "referenceId": "1", "userAgent": 7 }),
            "$.userAgent",
        ),
        (
            json!({ "request": "voice.dial", "referenceId": "1" }),
            "$.parameters[0]",
        ),
        (
            json!({ "request": "voice.dial", "parameters": [{ "number": 5551234 }], "referenceId": "1" }),
            "$.parameters[0]",
        ),
        (
            json!({ "request": "voice.dial", "parameters": ["1", "not-an-object"], "referenceId": "1" }),
            "$.parameters[1]",
        ),
        (
            json!({ "request": "interaction.setUserData", "parameters": ["1", "k=v"], "referenceId": "1" }),
            "$.parameters[1]",
        ),
        (
            json!({ "request": "interaction.setUserData", "parameters": ["1"], "referenceId": "1" }),
            "$.parameters[1]",
        ),
        (
            json!({ "request": "agent.setState", "parameters": [null], "referenceId": "1" }),
            "$.parameters[0]",
        ),
        (
            json!({ "request": "outbound.setCallResult", "parameters": ["1", "six"], "referenceId": "1" }),
            "$.parameters[1]",
        ),
        (
            json!({ "request": "system.popupToast", "parameters": ["hello"], "referenceId": "1" }),
            "$.parameters[0]",
        ),
        (
            json!({ "request": "interaction.consult", "parameters": ["1", 42], "referenceId": "1" }),
            "$.parameters[1]",
        ),
        (
            json!({ "request": "configuration.getOption", "parameters": [3], "referenceId": "1" }),
            "$.parameters[0]",
        ),
        (
            json!({ "event": "subscribe", "data": 3, "referenceId": "1" }),
            "$.data",
        ),
        (
            json!({ "event": "subscribe", "data": ["agent", 3], "referenceId": "1" }),
            "$.data[1]",
        ),
        (
            json!({ "event": "subscribe", "referenceId": "1" }),
            "$.data",
        ),
        (
            json!({ "event": "subscribe", "data": "agent" }),
            "$.referenceId",
        ),
        (
            json!({ "event": "unsubscribe", "data": { "id": 1 } }),
            "$.data",
        ),
        (
            json!({ "event": "bogus", "data": "agent", "referenceId": "1" }),
            "$.event",
        ),
        (json!({}), "$"),
        (json!([{ "request": "agent.get" }]), "$"),
    ]
}

/// Service messages that must be rejected, with the path the error must name.
pub(crate) fn invalid_service_messages() -> Vec<(Value, &'static str)> {
    vec![
        (json!({ "event": "interaction", "data": "x" }), "$.data"),
        (json!({ "event": "interaction" }), "$.data"),
        (
            json!({ "event": "agent", "data": { "eventType": "STATE_CHANGED" } }),
            "$.data",
        ),
        (
            json!({ "event": "interaction", "data": { "eventType": "ADDED" } }),
            "$.data",
        ),
        (
            json!({ "event": "interaction", "data": { "eventType": 7 } }),
            "$.data.eventType",
        ),
        (
            json!({ "event": "outbound", "data": { "eventType": "CampaignStarted" } }),
            "$.data",
        ),
        (
            json!({ "event": "system", "data": { "eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "t", "buttonIndex": "1" } }),
            "$.data",
        ),
        (
            json!({ "event": "system", "data": { "frameState": 1 } }),
            "$.data",
        ),
        (json!({ "event": 5 }), "$.event"),
        (
            json!({ "referenceId": "1", "errorMessage": 404 }),
            "$.errorMessage",
        ),
        (json!({ "referenceId": 1, "data": true }), "$.referenceId"),
        (
            json!({ "referenceId": "1", "subscriptionId": 9 }),
            "$.subscriptionId",
        ),
        (
            json!({ "referenceId": "1", "protocolVersion": "two" }),
            "$.protocolVersion",
        ),
        (json!({ "userAgent": "WWE Server", "data": {} }), "$"),
        (json!("wwe message"), "$"),
    ]
}

#[test]
fn invalid_client_messages_name_the_path() {
    for (value, path) in invalid_client_messages() {
        let err = ClientMessage::decode(&value).expect_err(&value.to_string());
        assert_eq!(err.path, path, "{value}: {err}");
        assert!(!err.problem.is_empty());
    }
}

#[test]
fn invalid_service_messages_name_the_path() {
    for (value, path) in invalid_service_messages() {
        let err = ServiceMessage::decode(&value).expect_err(&value.to_string());
        assert_eq!(err.path, path, "{value}: {err}");
    }
}

#[test]
fn error_messages_say_what_and_how_to_fix() {
    let err = ClientMessage::decode(
        &json!({ "request": "agent.get", "parameters": {}, "referenceId": "1" }),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "$.parameters: expected an array, found an object (hint: send positional arguments as an array, or omit the key for none)"
    );
    let err = ClientMessage::decode(
        &json!({ "request": "voice.dial", "parameters": [true], "referenceId": "1" }),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "$.parameters[0]: expected a string, found a boolean (hint: argument 0 `destination` of voice.dial(destination, userData?) must be a string or a number (taken as its decimal text))"
    );
    let err = ClientMessage::decode(&json!({ "request": "agent.get" })).unwrap_err();
    assert_eq!(
        err.to_string(),
        "$.referenceId: missing required field `referenceId` (hint: every request carries a non-empty string referenceId)"
    );
    assert!(
        ClientMessage::from_json("{not json")
            .unwrap_err()
            .problem
            .starts_with("not JSON")
    );
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            "[a-zA-Z.:]{0,12}",
            Just("agent".to_owned()),
            Just("interaction".to_owned()),
            Just("subscribe".to_owned()),
            Just("voice.dial".to_owned()),
            Just("STATE_CHANGED".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("event".to_owned()),
            Just("data".to_owned()),
            Just("request".to_owned()),
            Just("parameters".to_owned()),
            Just("referenceId".to_owned()),
            Just("eventType".to_owned()),
            Just("interaction".to_owned()),
            Just("frameId".to_owned()),
            Just("errorMessage".to_owned()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn decoders_never_panic_and_accepted_messages_round_trip(value in arbitrary_json()) {
        if let Ok(message) = ClientMessage::decode(&value) {
            let again = ClientMessage::decode(&message.to_value()).unwrap();
            prop_assert_eq!(again.to_value(), message.to_value());
        }
        if let Ok(message) = ServiceMessage::decode(&value) {
            let again = ServiceMessage::decode(&message.to_value()).unwrap();
            prop_assert_eq!(again.to_value(), message.to_value());
        }
    }
}

/// `from_json` (straight from text) and `decode` (through a parsed value) agree on every input.
fn assert_paths_agree(text: &str) -> Result<(), TestCaseError> {
    let value: Option<Value> = serde_json::from_str(text).ok();
    let fast = ClientMessage::from_json(text);
    match &value {
        Some(value) => prop_assert_eq!(&fast, &ClientMessage::decode(value), "client: {}", text),
        None => prop_assert!(fast.is_err()),
    }
    let fast = ServiceMessage::from_json(text);
    match &value {
        Some(value) => prop_assert_eq!(&fast, &ServiceMessage::decode(value), "service: {}", text),
        None => prop_assert!(fast.is_err()),
    }
    Ok(())
}

proptest! {
    #[test]
    fn text_and_value_decoders_agree(value in arbitrary_json()) {
        assert_paths_agree(&value.to_string())?;
    }
}

#[test]
fn text_and_value_decoders_agree_on_fixtures_and_invalid_messages() {
    let mut texts: Vec<String> = Vec::new();
    for kind in ["client", "service"] {
        texts.extend(
            crate::fixtures(kind)
                .into_iter()
                .map(|(_, v)| v.to_string()),
        );
    }
    texts.extend(
        invalid_client_messages()
            .into_iter()
            .map(|(v, _)| v.to_string()),
    );
    texts.extend(
        invalid_service_messages()
            .into_iter()
            .map(|(v, _)| v.to_string()),
    );
    texts.extend(
        [
            r#"{"request":"agent.get","referenceId":"1","referenceId":"2"}"#,
            r#"{"request":"agent.get","referenceId":"1","r\u0065quest":"voice.dial"}"#,
            r#"{"event":"system","data":{"frameState":null}}"#,
            r#"{"event":"system","data":{"eventType":null,"frameState":"LEADING"}}"#,
            r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"READY","eventType":"X"}}"#,
            r#"{"request":"outbound.setCallResult","parameters":["1",6.0],"referenceId":"1"}"#,
            r#"{"request":"outbound.setCallResult","parameters":["1",-0],"referenceId":"1"}"#,
            r#"{"request":"outbound.setCallResult","parameters":["1","6"],"referenceId":"1"}"#,
            r#"{"request":"voice.answer","parameters":[1],"referenceId":"1"}"#,
            r#"{"request":"system.popupToast","parameters":[{"width":"500px"}],"referenceId":"1"}"#,
            r#"{"request":"outbound.rescheduleRecord","parameters":["1","1","2026-12-02T10:00:00.000Z","PERSONAL"],"referenceId":"1"}"#,
            r#"{"request":"outbound.rescheduleRecord","parameters":["1",1,"12/2/2026 10:00","PERSONAL"],"referenceId":"1"}"#,
            r#"{"request":"voice.dial","parameters":["1",{"a":1,"a":2}],"referenceId":"1"}"#,
            r#"{"referenceId":"1","errorMessage":"x","request":5}"#,
            r#"{"frameId":null}"#,
            "not json",
        ]
        .map(str::to_owned),
    );
    for text in texts {
        assert_paths_agree(&text).unwrap();
    }
}
