//! Every fixture decodes to its specific variant and re-encodes to an equal JSON value.

use agentdesk_protocol::scapi::events::{InteractionEvent, OutboundEvent, StateEvent, SystemEvent};
use agentdesk_protocol::scapi::requests::{AgentGet, AuthGetJwtToken, ScapiRequest};
use agentdesk_protocol::scapi::types::{InteractionState, Role};
use agentdesk_protocol::scapi::{ClientMessage, Event, Request, ServiceMessage};
use serde_json::{Value, json};

use crate::fixtures;

/// A stable description of the decoded variant, for assertions and snapshots.
fn client_variant(message: &ClientMessage) -> String {
    match message {
        ClientMessage::Request(r) => match &r.request {
            Request::Unknown(u) => format!("Request/Unknown({})", u.name),
            known => format!("Request/{}", known.spec().unwrap().type_name),
        },
        ClientMessage::Subscribe(_) => "Subscribe".into(),
        ClientMessage::Unsubscribe(_) => "Unsubscribe".into(),
        _ => "unexpected".into(),
    }
}

fn service_variant(message: &ServiceMessage) -> String {
    match message {
        ServiceMessage::Success(s) if s.subscription_id.is_some() => "Success/SubscribeAck".into(),
        ServiceMessage::Success(_) => "Success".into(),
        ServiceMessage::Failure(_) => "Failure".into(),
        ServiceMessage::FrameId(_) => "FrameId".into(),
        ServiceMessage::Event(e) => format!("Event/{}", event_variant(&e.event)),
        _ => "unexpected".into(),
    }
}

fn event_variant(event: &Event) -> String {
    let state = |e: &StateEvent| match e {
        StateEvent::StateChanged(_) => "StateChanged".to_owned(),
        _ => "Other".to_owned(),
    };
    match event {
        Event::Agent(e) => format!("Agent/{}", state(e)),
        Event::Media(e) => format!("Media/{}", state(e)),
        Event::Interaction(e) => match e {
            InteractionEvent::Change(c) => format!("Interaction/Change({})", c.event_type),
            InteractionEvent::Case(kind, _) => format!("Interaction/Case({})", kind.as_str()),
            InteractionEvent::CaseIdChanged(_) => "Interaction/CaseIdChanged".into(),
            _ => "Interaction/Other".into(),
        },
        Event::System(e) => match e {
            SystemEvent::ToastButtonClick(_) => "System/ToastButtonClick".into(),
            SystemEvent::RealtimeConnection(_) => "System/RealtimeConnection".into(),
            SystemEvent::FrameState(_) => "System/FrameState".into(),
            _ => "System/Other".into(),
        },
        Event::Outbound(e) => match e {
            OutboundEvent::CampaignLoaded(_) => "Outbound/CampaignLoaded".into(),
            OutboundEvent::CampaignStarted(_) => "Outbound/CampaignStarted".into(),
            OutboundEvent::CampaignStopped(_) => "Outbound/CampaignStopped".into(),
            OutboundEvent::CampaignUnloaded(_) => "Outbound/CampaignUnloaded".into(),
            _ => "Outbound/Other".into(),
        },
        Event::Markdone(_) => "Markdone".into(),
        Event::Messenger { channel, .. } => format!("Messenger({channel})"),
        _ => "Other".into(),
    }
}

#[test]
fn client_fixtures_decode_typed_and_round_trip() {
    let all = fixtures("client");
    assert!(
        all.len() >= 80,
        "expected a request fixture per request name"
    );
    for (name, value) in all {
        let message = ClientMessage::decode(&value).unwrap_or_else(|e| panic!("{name}: {e}"));
        let variant = client_variant(&message);
        assert!(
            !variant.contains("Unknown") && !variant.contains("unexpected"),
            "{name}: {variant}"
        );
        if let Some(request) = name.strip_prefix("request.").filter(|n| !n.contains('-')) {
            assert_eq!(message.to_value()["request"], json!(request), "{name}");
        }
        assert_eq!(
            message.to_value(),
            value,
            "{name}: re-encoding changed the message"
        );
        let reparsed: ClientMessage =
            serde_json::from_value(serde_json::to_value(&message).unwrap()).unwrap();
        assert_eq!(reparsed, message, "{name}: serde round trip");
        insta::assert_json_snapshot!(
            format!("client__{name}"),
            json!({ "variant": variant, "encoded": message.to_value() })
        );
    }
}

#[test]
fn service_fixtures_decode_typed_and_round_trip() {
    for (name, value) in fixtures("service") {
        let message = ServiceMessage::decode(&value).unwrap_or_else(|e| panic!("{name}: {e}"));
        let variant = service_variant(&message);
        assert!(
            !variant.ends_with("Other") && !variant.contains("unexpected"),
            "{name}: {variant}"
        );
        assert_eq!(
            message.to_value(),
            value,
            "{name}: re-encoding changed the message"
        );
        insta::assert_json_snapshot!(
            format!("service__{name}"),
            json!({ "variant": variant, "encoded": message.to_value() })
        );
    }
}

#[test]
fn seed_records_retrieved_keeps_numbers_and_strings_apart() {
    let value = fixtures("service")
        .into_iter()
        .find(|(n, _)| n == "seed.interaction.records-retrieved")
        .unwrap()
        .1;
    let ServiceMessage::Event(message) = ServiceMessage::decode(&value).unwrap() else {
        panic!("not an event")
    };
    let Event::Interaction(InteractionEvent::Change(change)) = message.event else {
        panic!("not a change")
    };
    let interaction = change.interaction;
    assert_eq!(interaction.state, Some(InteractionState::Previewing));
    assert_eq!(
        interaction.parent_interaction_id,
        Some(None),
        "explicit null is kept apart from absent"
    );
    assert_eq!(interaction.start_date, Some(None));
    let records = interaction.chained_records.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["GSW_RECORD_HANDLE"], json!(283));
    assert_eq!(
        interaction.user_data.unwrap()["GSW_RECORD_HANDLE"],
        json!("283")
    );
    assert_eq!(interaction.is_case_selected, Some(true));
}

#[test]
fn typed_results_decode_from_success_data() {
    let success = |name: &str| match ServiceMessage::decode(
        &fixtures("service")
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1,
    )
    .unwrap()
    {
        ServiceMessage::Success(s) => s,
        other => panic!("{other:?}"),
    };
    let agent = success("spec.success.agent-get")
        .result::<AgentGet>()
        .unwrap();
    assert_eq!(agent.username.as_deref(), Some("jdoe"));
    assert_eq!(agent.roles, Some(vec![Role::Agent]));
    let jwt = success("spec.success.jwt")
        .result::<AuthGetJwtToken>()
        .unwrap();
    assert_eq!(jwt.jwt_token, "eyJhbGciOi.example.sig");
    let err = success("spec.success.void")
        .result::<AgentGet>()
        .unwrap_err();
    assert_eq!(err.path, "$.data");
    assert!(err.to_string().contains("agent.get answers Agent"), "{err}");
}

#[test]
fn unknown_event_types_and_fields_survive() {
    let value = json!({
        "event": "interaction",
        "data": { "eventType": "BRAND_NEW", "interaction": { "interactionId": "1" }, "extra": [1, 2] },
        "userAgent": "WWE Server", "protocolVersion": 2, "traceId": "abc"
    });
    let message = ServiceMessage::decode(&value).unwrap();
    let ServiceMessage::Event(event) = &message else {
        panic!()
    };
    assert!(
        matches!(&event.event, Event::Interaction(InteractionEvent::Other(raw)) if raw.event_type() == Some("BRAND_NEW"))
    );
    assert_eq!(event.envelope.extra["traceId"], json!("abc"));
    assert_eq!(message.to_value(), value);

    let known_with_extra = json!({
        "event": "agent",
        "data": { "eventType": "STATE_CHANGED", "mediaState": "SOMETHING_NEW", "media": "voice" }
    });
    let message = ServiceMessage::decode(&known_with_extra).unwrap();
    let ServiceMessage::Event(event) = &message else {
        panic!()
    };
    let Event::Agent(StateEvent::StateChanged(change)) = &event.event else {
        panic!()
    };
    assert!(!change.media_state.is_known());
    assert_eq!(change.extra["media"], json!("voice"));
    assert_eq!(message.to_value(), known_with_extra);

    let unknown_family = json!({ "event": "workitem", "data": 7, "userAgent": "WWE Server" });
    let message = ServiceMessage::decode(&unknown_family).unwrap();
    assert!(
        matches!(&message, ServiceMessage::Event(e) if matches!(&e.event, Event::Other { event, .. } if event == "workitem"))
    );
    assert_eq!(message.to_value(), unknown_family);
}

#[test]
fn classification_follows_the_client_library_order() {
    // `event` wins over `referenceId`.
    let both =
        json!({ "event": "system", "data": { "frameState": "FOLLOWING" }, "referenceId": "1" });
    assert!(matches!(
        ServiceMessage::decode(&both).unwrap(),
        ServiceMessage::Event(_)
    ));
    // `errorMessage` present, even null-free empty string, makes a failure.
    let failure = json!({ "referenceId": "0", "errorMessage": "" });
    assert!(matches!(
        ServiceMessage::decode(&failure).unwrap(),
        ServiceMessage::Failure(_)
    ));
    // A falsy `event` does not make an event; it is kept and re-encoded.
    let falsy_event = json!({ "event": "", "referenceId": "2", "data": true });
    let message = ServiceMessage::decode(&falsy_event).unwrap();
    assert!(matches!(message, ServiceMessage::Success(_)));
    assert_eq!(message.to_value(), falsy_event);
    // `frameId` only when neither event nor referenceId is truthy; any value counts.
    let frame = json!({ "frameId": null, "referenceId": "" });
    assert!(matches!(
        ServiceMessage::decode(&frame).unwrap(),
        ServiceMessage::FrameId(_)
    ));
    assert_eq!(ServiceMessage::decode(&frame).unwrap().to_value(), frame);
}

#[test]
fn the_library_filter_needs_wwe_in_the_user_agent() {
    assert!(ServiceMessage::library_accepts(
        &json!({ "userAgent": "WWE Server" })
    ));
    assert!(ServiceMessage::library_accepts(
        &json!({ "userAgent": "my WWE proxy" })
    ));
    assert!(!ServiceMessage::library_accepts(
        &json!({ "userAgent": "Mozilla" })
    ));
    assert!(!ServiceMessage::library_accepts(
        &json!({ "event": "agent" })
    ));
    assert!(!ServiceMessage::library_accepts(&json!(
        "wwe legacy string"
    )));
}

#[test]
fn parameter_layouts_round_trip() {
    // Omitted key, empty array, shortened optional tail and surplus slots are all kept.
    for value in [
        json!({ "request": "agent.get", "referenceId": "1" }),
        json!({ "request": "agent.get", "parameters": [], "referenceId": "1" }),
        json!({ "request": "voice.dial", "parameters": ["5551234"], "referenceId": "1" }),
        json!({ "request": "voice.dial", "parameters": ["5551234", null], "referenceId": "1" }),
        json!({ "request": "agent.setState", "parameters": ["Ready", "surplus", 3], "referenceId": "1" }),
        json!({ "request": "vendor.custom", "parameters": [1, {"a": null}], "referenceId": "1" }),
    ] {
        let message = ClientMessage::decode(&value).unwrap();
        assert_eq!(message.to_value(), value);
    }
    let ClientMessage::Request(message) =
        ClientMessage::decode(&json!({ "request": "vendor.custom", "referenceId": "1" })).unwrap()
    else {
        panic!()
    };
    assert!(
        matches!(&message.request, Request::Unknown(u) if u.name == "vendor.custom" && u.parameters.is_empty())
    );
}

#[test]
fn target_query_accepts_string_type_and_target() {
    use agentdesk_protocol::scapi::types::{TargetQuery, TargetType};
    let decode = |target: Value| {
        let value = json!({ "request": "interaction.consult", "parameters": ["1", target], "referenceId": "1" });
        let ClientMessage::Request(message) = ClientMessage::decode(&value).unwrap() else {
            panic!()
        };
        let Request::InteractionConsult(consult) = message.request else {
            panic!()
        };
        assert_eq!(message.parameters_sent, Some(2));
        consult.target_query
    };
    let contact = decode(json!("5551234"));
    assert_eq!(contact.kind(), Some(TargetType::CustomContact));
    assert_eq!(contact.destination(), Some("5551234"));
    assert_eq!(
        decode(json!({ "type": "SKILL", "destination": "Billing" })).kind(),
        Some(TargetType::Skill)
    );
    assert_eq!(
        decode(json!({ "target": "ROUTING_POINT", "destination": "7000" })).kind(),
        Some(TargetType::RoutingPoint)
    );
    let both = TargetQuery::new(TargetType::Agent, "SIP_5001");
    assert_eq!(
        serde_json::to_value(&both).unwrap(),
        json!({ "type": "AGENT", "target": "AGENT", "destination": "SIP_5001" })
    );
}

#[test]
fn encoders_emit_the_library_envelope() {
    use agentdesk_protocol::scapi::requests::VoiceDial;
    use agentdesk_protocol::scapi::{EventName, RequestMessage, SubscribeMessage, SuccessResponse};
    let request = RequestMessage::new("0", VoiceDial::new("5551234".into(), None));
    assert_eq!(
        request.to_value(),
        json!({ "request": "voice.dial", "parameters": ["5551234", null], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2 })
    );
    let no_args = RequestMessage::new("1", AgentGet::new());
    assert_eq!(
        no_args.to_value(),
        json!({ "request": "agent.get", "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2 })
    );
    let subscribe =
        SubscribeMessage::new("2", &[EventName::Agent, EventName::Messenger("crm".into())]);
    assert_eq!(
        subscribe.to_value()["data"],
        json!(["agent", "messenger:crm"])
    );
    let success = ServiceMessage::Success(SuccessResponse::new("3", None));
    assert_eq!(
        success.to_value(),
        json!({ "referenceId": "3", "userAgent": "WWE Server", "protocolVersion": 2 })
    );
    assert_eq!(AgentGet::NAME, "agent.get");
}
