//! SimulatedWorkspace behaviour: states, interaction lifecycles, attached data, case
//! selection, system UI, options, tabs, connection, determinism, and an answer for every
//! request of the table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod simulated_support;

use agentdesk_protocol::emulator::control::IdChange;
use agentdesk_protocol::scapi::{REQUESTS, Request};
use agentdesk_server::simulated::{
    ChatMessage, ConnectionStatus, IncomingCall, SimulatedConfig, SimulatedWorkspace, TabEvent,
};
use agentdesk_server::workspace::{Workspace, WorkspaceError};
use serde_json::{Value, json};
use simulated_support::*;

fn workspace() -> SimulatedWorkspace {
    SimulatedWorkspace::new(SimulatedConfig::default().with_seed(7))
}

fn ringing_call(ws: &SimulatedWorkspace) -> String {
    ws.incoming_call(
        at(0),
        IncomingCall::new("+15550100", "8000").with_data("Segment", "Gold"),
    )
    .interaction_id
}

async fn talking_call(ws: &SimulatedWorkspace) -> String {
    let id = ringing_call(ws);
    ok(ws, "voice.answer", json!([id])).await;
    id
}

#[tokio::test]
async fn agent_and_media_states_emit_state_changed_as_in_the_seed() {
    let ws = SimulatedWorkspace::new(
        SimulatedConfig::default().with_agent("jdoe", "John", "Doe", "7001"),
    );
    let (agent, _) = ok(&ws, "agent.get", json!([])).await;
    assert_eq!(
        agent.unwrap(),
        json!({"username": "jdoe", "firstname": "John", "lastname": "Doe", "employeeId": "7001"})
    );
    let (list, _) = ok(&ws, "agent.getStateList", json!([])).await;
    assert!(
        list.unwrap()
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["operationName"] == "Ready")
    );

    let (_, events) = ok(&ws, "agent.setState", json!(["Ready"])).await;
    assert_eq!(events[0].event_key(), "agent");
    assert_eq!(
        events[0].data(),
        json!({"eventType": "STATE_CHANGED", "mediaState": "READY"})
    );
    assert_eq!(events.len(), 4, "agent event and one per media: {events:?}");
    assert_eq!(events[1].data()["media"], "voice");

    let (_, events) = ok(&ws, "agent.setState", json!(["NotReadyBreak"])).await;
    assert_eq!(
        events[0].data(),
        json!({"eventType": "STATE_CHANGED", "mediaState": "NOT_READY_ACTION_CODE", "reason": "Break", "reasonCode": "1511"})
    );
    let (state, _) = ok(&ws, "agent.getState", json!([])).await;
    assert_eq!(state.unwrap()["operationName"], "NotReadyBreak");
    assert_eq!(
        ws.agent_state().operation_name.as_deref(),
        Some("NotReadyBreak")
    );

    let (_, events) = ok(&ws, "media.setState", json!(["chat", "Ready"])).await;
    assert_eq!(
        kinds(&events),
        [("media".to_owned(), "STATE_CHANGED".to_owned())]
    );
    assert_eq!(
        events[0].data(),
        json!({"eventType": "STATE_CHANGED", "mediaState": "READY", "media": "chat"})
    );
    let (chat, _) = ok(&ws, "media.getMediaByName", json!(["chat"])).await;
    assert_eq!(chat.unwrap()["state"]["operationName"], "Ready");

    let error = fails(&ws, "agent.setState", json!(["Lunch"])).await;
    assert!(
        error.contains("Unknown state 'Lunch'") && error.contains("Ready"),
        "{error}"
    );
    let error = fails(&ws, "media.getMediaByName", json!(["fax"])).await;
    assert!(error.contains("Unknown media 'fax'"), "{error}");
    let events = ws.change_agent_state(at(0), "Ready").unwrap();
    assert_eq!(events[0].event_key(), "agent");
}

#[tokio::test]
async fn inbound_call_lifecycle() {
    let ws = workspace();
    let arrival = ws.incoming_call(
        at(0),
        IncomingCall::new("+15550100", "8000").with_data("Segment", "Gold"),
    );
    let id = arrival.interaction_id.clone();
    assert_eq!(id, "1");
    assert_eq!(types(&arrival.events), ["ADDED", "RINGING"]);
    let call = arrival.events[1].data()["interaction"].clone();
    assert_eq!(call["state"], "RINGING");
    assert_eq!(call["direction"], "IN");
    assert_eq!(call["callType"], "INBOUND");
    assert_eq!(call["userData"]["Segment"], "Gold");
    assert_eq!(call["userData"]["IW_CaseUid"], call["caseId"]);
    assert_eq!(call["startDate"], json!(T0));
    assert_eq!(call["isCaseSelected"], true);

    let (_, e) = ok(&ws, "voice.answer", json!([id])).await;
    assert_eq!(types(&e), ["ESTABLISHED"]);
    let (_, e) = ok(&ws, "voice.hold", json!([id])).await;
    assert_eq!(types(&e), ["HELD"]);
    assert_eq!(e[0].data()["interaction"]["previousState"], "TALKING");
    let (_, e) = ok(&ws, "voice.resume", json!([id])).await;
    assert_eq!(types(&e), ["ESTABLISHED"]);
    assert!(
        fails(&ws, "interaction.markdone", json!([id]))
            .await
            .contains("hang up")
    );
    let (_, e) = ok(&ws, "voice.hangUp", json!([id])).await;
    assert_eq!(types(&e), ["RELEASED"]);
    assert_eq!(e[0].data()["interaction"]["state"], "IDLE");
    let error = fails(&ws, "voice.hold", json!([id])).await;
    assert_eq!(
        error,
        "Cannot hold interaction '1' while it is IDLE: only a TALKING call can be held."
    );
    let (_, e) = ok(&ws, "interaction.markdone", json!([id])).await;
    assert_eq!(types(&e), ["REMOVED"]);
    assert!(ws.interactions().is_empty());
    let (missing, _) = ok(&ws, "interaction.getByInteractionId", json!([id])).await;
    assert_eq!(missing, Some(Value::Null));
    assert_eq!(
        fails(&ws, "voice.answer", json!(["9"])).await,
        "No interaction with id '9': use an interactionId from interaction.getInteractions."
    );
}

#[tokio::test]
async fn dialed_calls_customer_hang_up_and_recording() {
    let ws = workspace();
    let (_, e) = ok(&ws, "voice.dial", json!(["5002", null])).await;
    assert_eq!(types(&e), ["ADDED", "DIALING"]);
    let internal = e[1].data()["interaction"].clone();
    assert_eq!(internal["callType"], "Internal");
    assert_eq!(internal["dnis"], "5002");
    let (_, e) = ok(
        &ws,
        "voice.dialEx",
        json!(["+15550199", {"k": "v"}, {"ext": 1}]),
    )
    .await;
    let external = e[0].data()["interaction"].clone();
    assert_eq!(external["callType"], "OUTBOUND");
    assert_eq!(external["userData"]["k"], "v");
    let id = external["interactionId"].as_str().unwrap().to_owned();
    assert_eq!(
        types(&ws.call_answered(at(5), &id).unwrap()),
        ["ESTABLISHED"]
    );

    let steps = [
        ("voice.startCallRecording", "RECORDING"),
        ("voice.pauseCallRecording", "PAUSED"),
        ("voice.resumeCallRecording", "RECORDING"),
        ("voice.stopCallRecording", "STOPPED"),
    ];
    for (request, state) in steps {
        let (_, e) = ok(&ws, request, json!([id])).await;
        assert_eq!(types(&e), ["CALL_RECORDING_STATE_CHANGED"]);
        assert_eq!(
            e[0].data()["interaction"]["recordingState"],
            state,
            "{request}"
        );
    }
    assert!(
        fails(&ws, "voice.pauseCallRecording", json!([id]))
            .await
            .contains("only a RECORDING call")
    );

    let e = ws.customer_hang_up(at(9), &id).unwrap();
    assert_eq!(types(&e), ["RELEASED"]);
    assert_eq!(e[0].data()["interaction"]["endDate"], json!(T0 + 9));
    assert!(ws.customer_hang_up(at(9), &id).is_err());
}

#[tokio::test]
async fn chat_transcript_records_both_sides_and_agent_messages_are_new_message_events() {
    let ws = SimulatedWorkspace::new(
        SimulatedConfig::default().with_agent("jdoe", "John", "Doe", "7001"),
    );
    let mut changes = ws.chat_changes();
    let arrival = ws
        .customer_chat_message(
            at(0),
            &ChatMessage::new_chat("Kim", "Hello").with_data("Subject", "Billing"),
        )
        .unwrap();
    let id = arrival.interaction_id;
    assert!(
        changes.has_changed().unwrap(),
        "a new chat wakes transcript readers"
    );
    changes.mark_unchanged();
    assert_eq!(
        arrival.events[1].data()["interaction"]["userData"]["Subject"],
        "Billing"
    );
    assert_eq!(arrival.events[1].data()["message"]["party"], "Client");

    // The agent cannot speak before accepting.
    let refused = ws.agent_chat_message(at(1), &id, "Hi").unwrap_err();
    assert!(refused.to_string().contains("accept the invitation first"));
    assert!(ws.agent_typing(at(1), &id, true).is_err());
    ws.customer_typing(at(1), &id, true).unwrap();

    ok(&ws, "interaction.accept", json!([id])).await;
    ws.agent_typing(at(2), &id, true).unwrap();
    let said = ws.agent_chat_message(at(3), &id, "Hello Kim").unwrap();
    assert_eq!(types(&said), ["NEW_MESSAGE"]);
    assert_eq!(
        said[0].data()["message"],
        json!({"from": "John Doe", "party": "Agent", "text": "Hello Kim", "timestamp": T0 + 3})
    );
    assert!(ws.agent_chat_message(at(3), &id, "").is_err());
    ws.customer_chat_message(at(4), &ChatMessage::in_chat(&id, "Kim", "Thanks"))
        .unwrap();
    assert!(
        ws.customer_chat_message(at(4), &ChatMessage::in_chat(&id, "Kim", ""))
            .is_err()
    );
    ok(&ws, "interaction.markdone", json!([id])).await;
    assert!(changes.has_changed().unwrap());

    // The transcript outlives the interaction and says the agent left.
    let transcript = ws.chat_transcript(&id).unwrap();
    assert!(transcript.ended);
    let summary: Vec<(String, String, Option<String>)> = transcript
        .entries
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).unwrap();
            (
                v["type"].as_str().unwrap().to_owned(),
                v["party"].as_str().unwrap().to_owned(),
                e.text.clone(),
            )
        })
        .collect();
    let s = |t: &str| t.to_owned();
    assert_eq!(
        summary,
        [
            (s("ParticipantJoined"), s("Client"), None),
            (s("Message"), s("Client"), Some(s("Hello"))),
            (s("TypingStarted"), s("Client"), None),
            (s("ParticipantJoined"), s("Agent"), None),
            (s("TypingStarted"), s("Agent"), None),
            (s("Message"), s("Agent"), Some(s("Hello Kim"))),
            (s("Message"), s("Client"), Some(s("Thanks"))),
            (s("ParticipantLeft"), s("Agent"), None),
        ]
    );
    assert_eq!(
        transcript
            .entries
            .iter()
            .map(|e| e.index)
            .collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(transcript.after(6).len(), 2);
    assert_eq!(transcript.after(99).len(), 0);
    assert_eq!(transcript.entries[5].from, "John Doe");
    assert_eq!(transcript.entries[5].timestamp, T0 as i64 + 3);

    // A customer who leaves ends the chat; a rejected invitation closes it too.
    let other = ws
        .customer_chat_message(at(5), &ChatMessage::new_chat("Lee", ""))
        .unwrap()
        .interaction_id;
    assert_eq!(ws.chat_transcript(&other).unwrap().entries.len(), 1);
    ok(&ws, "interaction.reject", json!([other])).await;
    assert!(ws.chat_transcript(&other).unwrap().ended);
    let third = ws
        .customer_chat_message(at(6), &ChatMessage::new_chat("Max", "Hi"))
        .unwrap()
        .interaction_id;
    ws.customer_hang_up(at(7), &third).unwrap();
    let last = ws.chat_transcript(&third).unwrap();
    assert!(last.ended);
    assert_eq!(last.entries.last().unwrap().party.as_str(), "Client");
    assert!(ws.chat_transcript("no-such-chat").is_none());
}

#[tokio::test]
async fn chat_lifecycle_and_email() {
    let ws = workspace();
    let arrival = ws
        .customer_chat_message(at(0), &ChatMessage::new_chat("Kim", "Hello"))
        .unwrap();
    let id = arrival.interaction_id;
    assert_eq!(types(&arrival.events), ["ADDED", "INVITED"]);
    assert_eq!(arrival.events[1].data()["message"]["text"], "Hello");
    assert_eq!(arrival.events[1].data()["media"], "chat");
    let (_, e) = ok(&ws, "interaction.accept", json!([id])).await;
    assert_eq!(types(&e), ["ACCEPTED"]);
    let message = ws
        .customer_chat_message(at(1), &ChatMessage::in_chat(&id, "Kim", "Are you there?"))
        .unwrap();
    assert_eq!(types(&message.events), ["NEW_MESSAGE"]);
    assert_eq!(message.events[0].data()["message"]["from"], "Kim");
    assert_eq!(types(&ws.customer_hang_up(at(2), &id).unwrap()), ["ENDED"]);
    assert!(
        ws.customer_chat_message(at(3), &ChatMessage::in_chat(&id, "Kim", "?"))
            .is_err()
    );
    let (_, e) = ok(&ws, "interaction.markdone", json!([id])).await;
    assert_eq!(types(&e), ["COMPLETED", "REMOVED"]);

    // A declined invitation leaves the list.
    let other = ws
        .customer_chat_message(at(4), &ChatMessage::new_chat("Lee", "Hi"))
        .unwrap()
        .interaction_id;
    let (_, e) = ok(&ws, "interaction.reject", json!([other])).await;
    assert_eq!(types(&e), ["REMOVED"]);

    let (_, e) = ok(
        &ws,
        "email.create",
        json!(["kim@example.com", {"Subject": "Follow-up"}]),
    )
    .await;
    assert_eq!(types(&e), ["ADDED", "CREATED"]);
    let email = e[1].data()["interaction"].clone();
    assert_eq!(email["media"], "email");
    let (_, e) = ok(&ws, "interaction.markdone", json!([email["interactionId"]])).await;
    assert_eq!(types(&e), ["COMPLETED", "REMOVED"]);
    assert!(
        fails(&ws, "email.create", json!(["not-an-address", null]))
            .await
            .contains("email address")
    );
}

#[tokio::test]
async fn consult_then_complete_transfer_or_conference() {
    let ws = workspace();
    let call = talking_call(&ws).await;
    let target =
        json!({"type": "AGENT", "target": "AGENT", "destination": "5002", "media": "voice"});
    let (consult, e) = ok(
        &ws,
        "interaction.consult",
        json!([call, target, {"Reason": "help"}, null]),
    )
    .await;
    assert_eq!(types(&e), ["HELD", "ADDED", "DIALING", "ESTABLISHED"]);
    let consult = consult.unwrap();
    assert_eq!(consult["isConsultation"], true);
    assert_eq!(consult["parentInteractionId"], json!(call));
    assert_eq!(consult["callType"], "CONSULT");
    let consult_id = consult["interactionId"].as_str().unwrap().to_owned();
    let (_, e) = ok(&ws, "interaction.completeConference", json!([consult_id])).await;
    assert_eq!(types(&e), ["RELEASED", "PARTY_CHANGED", "ESTABLISHED"]);
    assert_eq!(
        e[1].data()["interaction"]["parties"],
        json!([{"name": "+15550100"}, {"name": "5002"}])
    );

    let (consult, _) = ok(
        &ws,
        "interaction.consult",
        json!([call, "+15550123", null, null]),
    )
    .await;
    let consult_id = consult.unwrap()["interactionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, e) = ok(&ws, "interaction.completeTransfer", json!([consult_id])).await;
    assert_eq!(types(&e), ["RELEASED", "PARTY_CHANGED", "RELEASED"]);
    assert_eq!(
        ws.interaction(&call).unwrap().state.unwrap().as_str(),
        "IDLE"
    );
    let error = fails(&ws, "interaction.completeTransfer", json!([call])).await;
    assert!(error.contains("not a consultation"), "{error}");

    let call = talking_call(&ws).await;
    let (_, e) = ok(
        &ws,
        "interaction.singleStepConference",
        json!([call, "5003", null, null]),
    )
    .await;
    assert_eq!(types(&e), ["PARTY_CHANGED"]);
    let (_, e) = ok(
        &ws,
        "interaction.singleStepTransfer",
        json!([call, {"type": "ROUTING_POINT", "destination": "9000"}, null, null]),
    )
    .await;
    assert_eq!(types(&e), ["PARTY_CHANGED", "RELEASED"]);
    let error = fails(
        &ws,
        "interaction.singleStepTransfer",
        json!([call, {"type": "AGENT"}, null, null]),
    )
    .await;
    assert!(error.contains("destination"), "{error}");
}

#[tokio::test]
async fn markdone_block_refuses_with_the_warning_until_unblocked() {
    let ws = workspace();
    let id = talking_call(&ws).await;
    ok(&ws, "voice.hangUp", json!([id])).await;
    ok(
        &ws,
        "interaction.blockMarkdone",
        json!([id, "Set a disposition code first."]),
    )
    .await;
    assert_eq!(
        fails(&ws, "interaction.markdone", json!([id])).await,
        "Set a disposition code first."
    );
    ok(&ws, "interaction.unblockMarkdone", json!([id])).await;
    let (_, e) = ok(&ws, "interaction.markdone", json!([id])).await;
    assert_eq!(types(&e), ["REMOVED"]);
}

#[tokio::test]
async fn user_data_changes_and_legacy_aliases() {
    let ws = workspace();
    let id = talking_call(&ws).await;
    for request in [
        "interaction.setUserData",
        "interaction.attachUserData",
        "interaction.updateUserData",
    ] {
        let (_, e) = ok(&ws, request, json!([id, {"Key1": request}])).await;
        assert_eq!(types(&e), ["ATTACHED_DATA_CHANGED"]);
        assert_eq!(e[0].data()["interaction"]["userData"]["Key1"], request);
        assert_eq!(e[0].data()["media"], "voice");
    }
    let (_, e) = ok(&ws, "interaction.deleteUserData", json!([id, "Key1"])).await;
    assert_eq!(types(&e), ["ATTACHED_DATA_CHANGED"]);
    assert!(e[0].data()["interaction"]["userData"].get("Key1").is_none());
    let (_, e) = ok(&ws, "interaction.deleteUserData", json!([id, "Key1"])).await;
    assert!(e.is_empty(), "deleting an absent key changes nothing");
    ok(&ws, "voice.hangUp", json!([id])).await;
    let error = fails(
        &ws,
        "interaction.setUserData",
        json!([id, {"Key1": "late"}]),
    )
    .await;
    assert!(error.contains("IDLE"), "{error}");
}

#[tokio::test]
async fn case_selection_events_and_flags() {
    let ws = workspace();
    let first = ringing_call(&ws);
    let second = ringing_call(&ws);
    let case_of = |id: &str| ws.interaction(id).unwrap().case_id.unwrap();
    let (first_case, second_case) = (case_of(&first), case_of(&second));
    assert_eq!(
        ws.interaction(&second).unwrap().is_case_selected,
        Some(true)
    );
    assert_eq!(
        ws.interaction(&first).unwrap().is_case_selected,
        Some(false)
    );
    let (_, e) = ok(&ws, "interaction.selectCaseByCaseId", json!([first_case])).await;
    let data: Vec<Value> = e.iter().map(|e| e.data()).collect();
    assert_eq!(
        data,
        [
            json!({"eventType": "CASE_COLLAPSED", "selectedCaseId": second_case}),
            json!({"eventType": "CASE_EXPANDED", "selectedCaseId": first_case}),
            json!({"eventType": "CASE_SELECTED", "selectedCaseId": first_case}),
        ]
    );
    let first_now = ws.interaction(&first).unwrap();
    assert_eq!(
        (first_now.is_case_selected, first_now.is_case_expanded),
        (Some(true), Some(true))
    );
    assert_eq!(
        ws.interaction(&second).unwrap().is_case_selected,
        Some(false)
    );
    let (by_case, _) = ok(&ws, "interaction.getByCaseId", json!([first_case])).await;
    assert_eq!(by_case.unwrap().as_array().unwrap().len(), 1);
    assert!(
        fails(&ws, "interaction.selectCaseByCaseId", json!(["nope"]))
            .await
            .contains("No interaction with case id 'nope'")
    );

    let e = ws.change_case_id(at(0), &first, IdChange::Case).unwrap();
    let data = e[1].data();
    assert_eq!(data["eventType"], "CASE_ID_CHANGED");
    assert_eq!(data["previousCaseId"], json!(first_case));
    assert_eq!(
        ws.interaction(&first).unwrap().case_id.as_deref(),
        data["caseId"].as_str()
    );
}

/// A new case: the interaction-level `CASE_OR_BUNDLE_ID_CHANGED` (attached data not yet
/// updated), the documentation's `CASE_ID_CHANGED`, then `ATTACHED_DATA_CHANGED` with the new
/// `IW_CaseUid`. A new bundle: the same without `CASE_ID_CHANGED`.
#[tokio::test]
async fn case_and_bundle_changes_announce_the_ids_then_the_attached_data() {
    let ws = workspace();
    let id = talking_call(&ws).await;
    let before = ws.interaction(&id).unwrap();
    let (old_case, old_bundle) = (before.case_id.unwrap(), before.bundle_id.unwrap());

    let e = ws.change_case_id(at(0), &id, IdChange::Case).unwrap();
    assert_eq!(
        types(&e),
        [
            "CASE_OR_BUNDLE_ID_CHANGED",
            "CASE_ID_CHANGED",
            "ATTACHED_DATA_CHANGED"
        ]
    );
    let now = ws.interaction(&id).unwrap();
    let new_case = now.case_id.clone().unwrap();
    assert_ne!(new_case, old_case);
    assert_eq!(now.bundle_id.as_deref(), Some(old_bundle.as_str()));
    let changed = e[0].data();
    assert_eq!(changed["media"], "voice");
    assert_eq!(changed["interaction"]["interactionId"], json!(id));
    assert_eq!(changed["interaction"]["caseId"], json!(new_case));
    assert_eq!(
        changed["interaction"]["userData"]["IW_CaseUid"],
        json!(old_case),
        "the attached data follows the case id change"
    );
    assert_eq!(
        e[1].data(),
        json!({"eventType": "CASE_ID_CHANGED", "caseId": new_case, "previousCaseId": old_case})
    );
    let attached = e[2].data();
    assert_eq!(
        attached["interaction"]["userData"]["IW_CaseUid"],
        json!(new_case)
    );
    assert_eq!(
        attached["interaction"]["userData"]["IW_BundleUid"],
        json!(old_bundle)
    );
    assert_eq!(attached["interaction"], serde_json::to_value(&now).unwrap());

    let e = ws.change_case_id(at(0), &id, IdChange::Bundle).unwrap();
    assert_eq!(
        types(&e),
        ["CASE_OR_BUNDLE_ID_CHANGED", "ATTACHED_DATA_CHANGED"]
    );
    let now = ws.interaction(&id).unwrap();
    let new_bundle = now.bundle_id.clone().unwrap();
    assert_ne!(new_bundle, old_bundle);
    assert_eq!(now.case_id.as_deref(), Some(new_case.as_str()));
    assert_eq!(e[0].data()["interaction"]["bundleId"], json!(new_bundle));
    assert_eq!(
        e[0].data()["interaction"]["userData"]["IW_BundleUid"],
        json!(old_bundle)
    );
    assert_eq!(
        e[1].data()["interaction"]["userData"]["IW_BundleUid"],
        json!(new_bundle)
    );

    let e = ws.change_case_id(at(0), &id, IdChange::Both).unwrap();
    assert_eq!(
        types(&e),
        [
            "CASE_OR_BUNDLE_ID_CHANGED",
            "CASE_ID_CHANGED",
            "ATTACHED_DATA_CHANGED"
        ]
    );
    let now = ws.interaction(&id).unwrap();
    assert_ne!(now.case_id.as_deref(), Some(new_case.as_str()));
    assert_ne!(now.bundle_id.as_deref(), Some(new_bundle.as_str()));
    assert_eq!(e[1].data()["previousCaseId"], json!(new_case));
    let user_data = now.user_data.clone().unwrap();
    assert_eq!(user_data["IW_CaseUid"], json!(now.case_id));
    assert_eq!(user_data["IW_BundleUid"], json!(now.bundle_id));

    assert!(
        ws.change_case_id(at(0), "nope", IdChange::Case)
            .unwrap_err()
            .to_string()
            .contains("No interaction with id 'nope'")
    );
}

#[tokio::test]
async fn toasts_dialogs_menu_bar_activity_and_softphone() {
    let ws = workspace();
    let (id, _) = ok(
        &ws,
        "system.popupToast",
        json!([{"title": "Hi", "buttons": ["Open", "Later"]}]),
    )
    .await;
    assert_eq!(id, Some(json!("wweCustomToast0")));
    let e = ws.click_toast_button(at(0), "wweCustomToast0", 1).unwrap();
    assert_eq!(e[0].event_key(), "system");
    assert_eq!(
        e[0].data(),
        json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "wweCustomToast0", "buttonIndex": 1})
    );
    assert!(ws.click_toast_button(at(0), "wweCustomToast0", 2).is_err());
    ok(
        &ws,
        "system.updateToast",
        json!(["wweCustomToast0", {"title": "Updated"}]),
    )
    .await;
    ok(&ws, "system.closeToast", json!(["wweCustomToast0"])).await;
    assert!(
        fails(&ws, "system.closeToast", json!(["wweCustomToast0"]))
            .await
            .contains("No toast")
    );
    assert!(ws.click_toast_button(at(0), "wweCustomToast0", 0).is_err());

    let (dialog, _) = ok(
        &ws,
        "system.openDialog",
        json!(["https://app.example/d.html?id=$Dialog.Id$", {"label": "D"}]),
    )
    .await;
    assert_eq!(dialog, Some(json!("wweCustomDialog1")));
    assert_eq!(
        ws.dialogs(),
        [(
            "wweCustomDialog1".to_owned(),
            "https://app.example/d.html?id=wweCustomDialog1".to_owned()
        )]
    );
    ok(&ws, "system.closeDialog", json!(["wweCustomDialog1"])).await;

    ok(
        &ws,
        "system.updateViewInApplicationMenuBar",
        json!([{"name": "crm", "label": "CRM"}]),
    )
    .await;
    assert_eq!(ws.menu_bar_views(), ["crm"]);
    ok(&ws, "system.closeViewInApplicationMenuBar", json!(["crm"])).await;
    assert!(
        fails(&ws, "system.closeViewInApplicationMenuBar", json!(["crm"]))
            .await
            .contains("menu-bar view")
    );

    ok(&ws, "system.triggerActivity", json!([])).await;
    assert_eq!(ws.last_activity(), Some(at(1000)));

    ok(&ws, "sipEndpoint.muteMicrophone", json!([])).await;
    let (muted, _) = ok(&ws, "sipEndpoint.isMicrophoneMute", json!([])).await;
    assert_eq!(muted, Some(json!(true)));
    let (muted, _) = ok(&ws, "sipEndpoint.isSpeakerMute", json!([])).await;
    assert_eq!(muted, Some(json!(false)));
    ok(&ws, "sipEndpoint.unmuteMicrophone", json!([])).await;
    assert_eq!(ws.softphone_muted(), (false, false));
}

#[tokio::test]
async fn configuration_options_follow_the_selector_grammar() {
    let ws = SimulatedWorkspace::new(
        SimulatedConfig::default()
            .with_option("CustomSection", "option.custom.customer.code", "42")
            .with_option("CustomSection", "other", "x"),
    );
    let (data, _) = ok(&ws, "configuration.getOption", json!(["voice.auto-answer"])).await;
    assert_eq!(
        data.unwrap(),
        json!([{"name": "interaction-workspace", "options": {"voice.auto-answer": "false"}}])
    );
    let (data, _) = ok(
        &ws,
        "configuration.getOption",
        json!([["privilege.*", "CustomSection/option.custom.customer.code"]]),
    )
    .await;
    assert_eq!(
        data.unwrap(),
        json!([
            {"name": "CustomSection", "options": {"option.custom.customer.code": "42"}},
            {"name": "interaction-workspace", "options": {"privilege.chat.can-release": "true", "privilege.email.can-mark-done": "true", "privilege.voice.can-dial": "true"}},
        ])
    );
    let (data, _) = ok(&ws, "configuration.getOption", json!(["CustomSection/*"])).await;
    assert_eq!(data.unwrap()[0]["options"].as_object().unwrap().len(), 2);
    let error = fails(&ws, "configuration.getOption", json!(["*.mark-done"])).await;
    assert!(error.contains("cannot start with '*'"), "{error}");

    let error = fails(
        &ws,
        "configuration.getContextualOption",
        json!(["voice.*", "12"]),
    )
    .await;
    assert!(error.contains("No interaction with id '12'"), "{error}");
    let id = ws
        .incoming_call(
            at(0),
            IncomingCall::new("+1", "2").with_data("voice.auto-answer", "true"),
        )
        .interaction_id;
    let (data, _) = ok(
        &ws,
        "configuration.getContextualOption",
        json!(["voice.auto-answer", id]),
    )
    .await;
    assert_eq!(
        data.unwrap(),
        json!([{"name": "interaction-workspace", "options": {"voice.auto-answer": "true"}}])
    );
}

#[tokio::test]
async fn jwt_is_deterministic_and_reused_while_valid() {
    let ws = workspace();
    let (token, _) = ok(&ws, "auth.getJwtToken", json!([])).await;
    let token = token.unwrap();
    assert_eq!(token["expiration"], "2024-01-01T01:00:01.000Z");
    let jwt = token["jwtToken"].as_str().unwrap();
    assert_eq!(jwt.split('.').count(), 3);
    let again = ws
        .call(&cx(60_000), request("auth.getJwtToken", json!([])))
        .await;
    assert_eq!(again.result.unwrap().unwrap(), token, "still valid: reused");
    let later = ws
        .call(&cx(3_700_000), request("auth.getJwtToken", json!([])))
        .await;
    assert_ne!(
        later.result.unwrap().unwrap()["jwtToken"],
        token["jwtToken"]
    );
    let other = workspace();
    let (same, _) = ok(&other, "auth.getJwtToken", json!([])).await;
    assert_eq!(same.unwrap(), token, "same inputs, same token");
}

fn tab_states(events: &[TabEvent]) -> Vec<(String, Value)> {
    events
        .iter()
        .map(|e| (e.tab.clone(), e.event.data()))
        .collect()
}

#[tokio::test]
async fn tabs_elect_a_leader_and_answer_per_tab() {
    let ws = workspace();
    assert_eq!(
        tab_states(&ws.open_tab(at(0), "A")),
        [("A".to_owned(), json!({"frameState": "LEADING"}))]
    );
    assert_eq!(
        tab_states(&ws.open_tab(at(0), "B")),
        [("B".to_owned(), json!({"frameState": "FOLLOWING"}))]
    );
    ws.open_tab(at(0), "C");
    let ask = |tab: &str, name: &str| {
        let ws = &ws;
        let cx = cx_tab(tab);
        let request = request(name, json!([]));
        async move { ws.call(&cx, request).await.result.unwrap().unwrap() }
    };
    assert_eq!(ask("A", "system.isFrameLeading").await, json!(true));
    assert_eq!(ask("B", "system.isFrameLeading").await, json!(false));
    assert_eq!(ask("B", "system.isFrameFollowing").await, json!(true));
    assert_eq!(ask("C", "system.isLastActiveFrame").await, json!(true));
    assert_eq!(ask("A", "system.amIVisible").await, json!(false));
    ws.activate_tab(at(0), "A").unwrap();
    assert_eq!(ask("A", "system.amIVisible").await, json!(true));

    let negotiating = ws.close_tab(at(0), "A").unwrap();
    assert_eq!(
        tab_states(&negotiating),
        [
            ("B".to_owned(), json!({"frameState": "NEGOTIATING"})),
            ("C".to_owned(), json!({"frameState": "NEGOTIATING"})),
        ]
    );
    assert_eq!(negotiating[0].event.event_key(), "system");
    assert_eq!(ask("B", "system.isFrameNegotiating").await, json!(true));
    assert_eq!(
        ask("C", "system.isFrameLeadingOrNegotiating").await,
        json!(true)
    );
    assert_eq!(
        tab_states(&ws.elect_leader(at(0))),
        [
            ("B".to_owned(), json!({"frameState": "LEADING"})),
            ("C".to_owned(), json!({"frameState": "FOLLOWING"})),
        ]
    );
    assert_eq!(ask("B", "system.isFrameLeading").await, json!(true));
    assert_eq!(
        ask("C", "system.isFrameLeadingOrNegotiating").await,
        json!(false)
    );
    assert!(ws.close_tab(at(0), "A").is_err());
    assert!(
        ws.close_tab(at(0), "C").unwrap().is_empty(),
        "closing a follower elects nobody"
    );
}

#[tokio::test]
async fn a_frame_connecting_from_a_tab_learns_its_state() {
    use agentdesk_server::workspace::Workspace;
    let ws = workspace();
    let events = ws.frame_connected(&cx_tab("main")).await;
    assert_eq!(events[0].data(), json!({"frameState": "LEADING"}));
    let events = ws.frame_connected(&cx_tab("main")).await;
    assert_eq!(
        events[0].data(),
        json!({"frameState": "LEADING"}),
        "same tab, same state"
    );
    assert!(ws.frame_connected(&cx(0)).await.is_empty());
    // Without tabs the session is one leading tab.
    let alone = workspace();
    let reply = alone
        .call(&cx(0), request("system.isFrameLeading", json!([])))
        .await;
    assert_eq!(reply.result.unwrap(), Some(json!(true).into()));
}

#[tokio::test]
async fn realtime_connection_loss_recovery_and_down() {
    let ws = workspace();
    let data = |events: Vec<agentdesk_protocol::scapi::Event>| events[0].data();
    assert_eq!(
        data(ws.lose_connection(at(0)).unwrap()),
        json!({"eventType": "REALTIME_CONNECTION", "state": "DISCONNECTED"})
    );
    assert!(ws.lose_connection(at(0)).is_err());
    assert_eq!(
        data(ws.recover_connection(at(1)).unwrap()),
        json!({"eventType": "REALTIME_CONNECTION", "state": "RECONNECTED"})
    );
    assert!(ws.connection_down(at(2)).is_err());
    ws.lose_connection(at(3)).unwrap();
    assert_eq!(
        data(ws.connection_down(at(63_003)).unwrap()),
        json!({"eventType": "REALTIME_CONNECTION", "state": "DOWN"})
    );
    assert_eq!(ws.connection(), ConnectionStatus::Down);
    ws.recover_connection(at(70_000)).unwrap();
    assert_eq!(ws.connection(), ConnectionStatus::Connected);
}

#[tokio::test]
async fn same_seed_same_story() {
    async fn story(seed: u64) -> Vec<Value> {
        let ws = SimulatedWorkspace::new(SimulatedConfig::default().with_seed(seed));
        let mut events = ws.incoming_call(at(0), IncomingCall::new("+1", "2")).events;
        events.extend(
            send(&ws, "voice.dial", json!(["+15550100", null]))
                .await
                .events,
        );
        events.iter().map(|e| e.data()).collect()
    }
    assert_eq!(story(3).await, story(3).await);
    assert_ne!(story(3).await, story(4).await, "case ids follow the seed");
}

/// Sensible parameters for a request, from its table row.
fn parameters(spec: &agentdesk_protocol::scapi::RequestSpec) -> Vec<Value> {
    spec.params
        .iter()
        .map(|param| match (spec.name, param.name) {
            ("email.create", "destination") => json!("kim@example.com"),
            ("system.updateToast" | "system.closeToast", "id") => json!("wweCustomToast0"),
            ("system.closeViewInApplicationMenuBar", "name") => json!("crm"),
            ("configuration.getOption" | "configuration.getContextualOption", "options") => {
                json!("voice.*")
            }
            (_, "interactionId" | "consultInteractionId") => json!("1"),
            (_, "keyValues" | "userData" | "extensions" | "recordData" | "options" | "message") => {
                json!({})
            }
            (_, "parameters") => json!({"name": "crm", "title": "t"}),
            (_, "destination" | "targetQuery") => json!("5002"),
            (_, "name" | "mediaName") => json!("voice"),
            (_, "stateOperationName") => json!("Ready"),
            (_, "campaignName") => json!("Spring"),
            (_, "recordHandle") => json!(1),
            (_, "rescheduleDate") => json!("1/2/2030 10:00"),
            (_, "callbackType") => json!("CAMPAIGN"),
            (_, "callResult") => json!(33),
            (_, "forceNewToken") => json!(false),
            (_, "dialogId") => json!("wweCustomDialog1"),
            (_, "url") => json!("https://app.example/dialog.html"),
            _ => json!("x"),
        })
        .collect()
}

#[tokio::test]
async fn every_request_gets_a_meaningful_answer() {
    let ws = workspace();
    ws.incoming_call(at(0), IncomingCall::new("+15550100", "8000"));
    let mut refused = Vec::new();
    for spec in REQUESTS {
        let request = Request::decode(spec.name, &parameters(spec))
            .unwrap_or_else(|e| panic!("parameters for {}: {e}", spec.name));
        let reply = ws.call(&cx(1000), request).await;
        if let Err(error) = &reply.result {
            assert_ne!(
                *error,
                WorkspaceError::unsupported(spec.name),
                "{} is not supported",
                spec.name
            );
            assert!(
                !error.message.contains("not supported"),
                "{}: {error}",
                spec.name
            );
            assert!(
                !error.message.starts_with("Unknown request"),
                "{}: {error}",
                spec.name
            );
            refused.push(format!("{}: {error}", spec.name));
        }
    }
    // What remains are state-specific refusals (no record on a plain call, no such case...).
    println!("state-specific refusals: {refused:#?}");
    let unknown = ws.call(&cx(0), request("crm.openTicket", json!([]))).await;
    assert!(
        unknown
            .result
            .unwrap_err()
            .message
            .starts_with("Unknown request 'crm.openTicket'")
    );
}

fn configured(options: &str) -> SimulatedWorkspace {
    let parsed = agentdesk_protocol::config::parse(options).unwrap();
    SimulatedWorkspace::new(SimulatedConfig::default().with_configuration(&parsed.configuration))
}

#[tokio::test]
async fn the_option_file_answers_get_option_and_drives_the_behaviour_options() {
    let ws = configured(
        "[interaction-workspace]\n\
         voice.auto-answer=true\n\
         voice.mark-done-on-release=TRUE\n\
         [MySection]\n\
         crm.base-url=https://crm.example.com\n\
         crm.mode=full\n",
    );
    let (data, _) = ok(&ws, "configuration.getOption", json!(["MySection/*"])).await;
    assert_eq!(
        data.unwrap(),
        json!([{"name": "MySection", "options": {"crm.base-url": "https://crm.example.com", "crm.mode": "full"}}])
    );
    let (data, _) = ok(&ws, "configuration.getOption", json!(["voice.auto-answer"])).await;
    assert_eq!(data.unwrap()[0]["options"]["voice.auto-answer"], "true");

    // voice.auto-answer: the call rings, then is answered at once.
    let arrival = ws.incoming_call(at(0), IncomingCall::new("+15550100", "8000"));
    assert_eq!(types(&arrival.events), ["ADDED", "RINGING", "ESTABLISHED"]);
    assert_eq!(arrival.events[2].data()["interaction"]["state"], "TALKING");

    // voice.mark-done-on-release: hanging up also marks the call done.
    let (_, e) = ok(&ws, "voice.hangUp", json!([arrival.interaction_id])).await;
    assert_eq!(types(&e), ["RELEASED", "REMOVED"]);
    assert!(ws.interactions().is_empty());
}

#[tokio::test]
async fn a_privilege_set_to_false_refuses_the_operation_and_names_the_option() {
    let ws = configured("privilege.voice.can-dial=false\n");
    let error = fails(&ws, "voice.dial", json!(["5551234"])).await;
    assert_eq!(
        error,
        "Cannot dial: the option privilege.voice.can-dial is false for this agent."
    );
    // Without the file the default (true) applies.
    ok(&workspace(), "voice.dial", json!(["5551234"])).await;
}

#[tokio::test]
async fn options_applied_at_run_time_take_effect_from_the_next_event() {
    let ws = workspace();
    let first = ws.incoming_call(at(0), IncomingCall::new("+15550100", "8000"));
    assert_eq!(types(&first.events), ["ADDED", "RINGING"]);
    ws.configure(
        &agentdesk_protocol::config::parse("voice.auto-answer=true\n")
            .unwrap()
            .configuration,
    );
    let second = ws.incoming_call(at(1), IncomingCall::new("+15550101", "8000"));
    assert_eq!(types(&second.events), ["ADDED", "RINGING", "ESTABLISHED"]);
}

/// The `(type, party)` of each entry of chat `id`'s transcript.
fn transcript_summary(ws: &SimulatedWorkspace, id: &str) -> Vec<(String, String)> {
    ws.chat_transcript(id)
        .unwrap()
        .entries
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).unwrap();
            (
                v["type"].as_str().unwrap().to_owned(),
                v["party"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn entry(kind: &str, party: &str) -> (String, String) {
    (kind.to_owned(), party.to_owned())
}

#[tokio::test]
async fn chat_auto_answer_accepts_a_new_chat_as_the_agent_would() {
    let ws = configured("chat.auto-answer=true\n");
    let arrival = ws
        .customer_chat_message(at(0), &ChatMessage::new_chat("Kim", "Hello"))
        .unwrap();
    let id = arrival.interaction_id;
    assert_eq!(types(&arrival.events), ["ADDED", "INVITED", "ACCEPTED"]);
    assert_eq!(arrival.events[2].data()["interaction"]["state"], "ACCEPTED");
    assert_eq!(
        ws.interaction(&id).unwrap().state.unwrap().to_string(),
        "ACCEPTED"
    );
    // The customer's side sees the agent join after its own first message, as on an accept.
    assert_eq!(
        transcript_summary(&ws, &id),
        [
            entry("ParticipantJoined", "Client"),
            entry("Message", "Client"),
            entry("ParticipantJoined", "Agent"),
        ]
    );
    // Only a new chat is accepted: a message in it is just a message, and the agent may
    // answer without accepting.
    let message = ws
        .customer_chat_message(at(1), &ChatMessage::in_chat(&id, "Kim", "Still there?"))
        .unwrap();
    assert_eq!(types(&message.events), ["NEW_MESSAGE"]);
    ws.agent_chat_message(at(2), &id, "Yes").unwrap();
    assert!(
        fails(&ws, "interaction.accept", json!([id]))
            .await
            .contains("ACCEPTED")
    );

    for ws in [configured("chat.auto-answer=false\n"), workspace()] {
        let arrival = ws
            .customer_chat_message(at(0), &ChatMessage::new_chat("Kim", "Hello"))
            .unwrap();
        assert_eq!(types(&arrival.events), ["ADDED", "INVITED"]);
        assert_eq!(
            transcript_summary(&ws, &arrival.interaction_id),
            [
                entry("ParticipantJoined", "Client"),
                entry("Message", "Client")
            ]
        );
    }
}

#[tokio::test]
async fn email_auto_answer_changes_nothing_as_no_email_arrives() {
    for options in ["email.auto-answer=true\n", "email.auto-answer=false\n"] {
        let ws = configured(options);
        let (_, e) = ok(&ws, "email.create", json!(["kim@example.com", null])).await;
        assert_eq!(types(&e), ["ADDED", "CREATED"], "{options}");
        let (data, _) = ok(&ws, "configuration.getOption", json!(["email.auto-answer"])).await;
        assert_eq!(
            data.unwrap()[0]["options"]["email.auto-answer"],
            options.trim_end().split('=').nth(1).unwrap()
        );
    }
}

#[tokio::test]
async fn email_can_mark_done_false_refuses_marking_an_email_done() {
    let ws = configured("privilege.email.can-mark-done=false\n");
    let (_, e) = ok(&ws, "email.create", json!(["kim@example.com", null])).await;
    let email = e[0].data()["interaction"]["interactionId"].clone();
    assert_eq!(
        fails(&ws, "interaction.markdone", json!([email])).await,
        "Cannot mark an email done: the option privilege.email.can-mark-done is false for this agent."
    );
    assert_eq!(ws.interactions().len(), 1, "the email stays");
    // Other media are not concerned.
    let chat = ws
        .customer_chat_message(at(0), &ChatMessage::new_chat("Kim", "Hello"))
        .unwrap()
        .interaction_id;
    ok(&ws, "interaction.accept", json!([chat])).await;
    let (_, e) = ok(&ws, "interaction.markdone", json!([chat])).await;
    assert_eq!(types(&e), ["ENDED", "COMPLETED", "REMOVED"]);

    let ws = configured("privilege.email.can-mark-done=true\n");
    let (_, e) = ok(&ws, "email.create", json!(["kim@example.com", null])).await;
    let email = e[0].data()["interaction"]["interactionId"].clone();
    let (_, e) = ok(&ws, "interaction.markdone", json!([email])).await;
    assert_eq!(types(&e), ["COMPLETED", "REMOVED"]);
}

#[tokio::test]
async fn chat_can_release_false_refuses_ending_a_live_chat() {
    let ws = configured("privilege.chat.can-release=false\n");
    let chat = ws
        .customer_chat_message(at(0), &ChatMessage::new_chat("Kim", "Hello"))
        .unwrap()
        .interaction_id;
    ok(&ws, "interaction.accept", json!([chat])).await;
    assert_eq!(
        fails(&ws, "interaction.markdone", json!([chat])).await,
        "Cannot end a live chat: the option privilege.chat.can-release is false for this agent."
    );
    let transcript = ws.chat_transcript(&chat).unwrap();
    assert!(!transcript.ended, "the customer is still in the chat");
    // Once the customer left, the agent may mark it done; emails are not concerned.
    assert_eq!(
        types(&ws.customer_hang_up(at(1), &chat).unwrap()),
        ["ENDED"]
    );
    let (_, e) = ok(&ws, "interaction.markdone", json!([chat])).await;
    assert_eq!(types(&e), ["COMPLETED", "REMOVED"]);
    let (_, e) = ok(&ws, "email.create", json!(["kim@example.com", null])).await;
    let email = e[0].data()["interaction"]["interactionId"].clone();
    ok(&ws, "interaction.markdone", json!([email])).await;

    let ws = configured("privilege.chat.can-release=true\n");
    let chat = ws
        .customer_chat_message(at(0), &ChatMessage::new_chat("Kim", "Hello"))
        .unwrap()
        .interaction_id;
    ok(&ws, "interaction.accept", json!([chat])).await;
    let (_, e) = ok(&ws, "interaction.markdone", json!([chat])).await;
    assert_eq!(types(&e), ["ENDED", "COMPLETED", "REMOVED"]);
}

const SIP_ENDPOINT_REQUESTS: [&str; 6] = [
    "sipEndpoint.muteMicrophone",
    "sipEndpoint.unmuteMicrophone",
    "sipEndpoint.muteSpeaker",
    "sipEndpoint.unmuteSpeaker",
    "sipEndpoint.isMicrophoneMute",
    "sipEndpoint.isSpeakerMute",
];

#[tokio::test]
async fn sip_endpoint_disabled_refuses_every_sip_endpoint_request() {
    let ws = configured("sipendpoint.enabled=false\n");
    for name in SIP_ENDPOINT_REQUESTS {
        assert_eq!(
            fails(&ws, name, json!([])).await,
            "Cannot use the SIP endpoint: the option sipendpoint.enabled is false for this agent.",
            "{name}"
        );
    }
    assert_eq!(ws.softphone_muted(), (false, false), "nothing changed");
    // Calls still work without the softphone.
    let call = ringing_call(&ws);
    ok(&ws, "voice.answer", json!([call])).await;

    let ws = configured("sipendpoint.enabled=true\n");
    for name in SIP_ENDPOINT_REQUESTS {
        ok(&ws, name, json!([])).await;
    }
}

#[tokio::test]
async fn every_behaviour_option_follows_a_reloaded_file() {
    let ws = workspace();
    let chat = |ws: &SimulatedWorkspace, offset| {
        ws.customer_chat_message(at(offset), &ChatMessage::new_chat("Kim", "Hello"))
            .unwrap()
    };
    let configure = |ws: &SimulatedWorkspace, text: &str| {
        ws.configure(
            &agentdesk_protocol::config::parse(text)
                .unwrap()
                .configuration,
        );
    };
    let accepted = chat(&ws, 0).interaction_id;
    ok(&ws, "interaction.accept", json!([accepted])).await;

    configure(
        &ws,
        "chat.auto-answer=true\n\
         privilege.email.can-mark-done=false\n\
         privilege.chat.can-release=false\n\
         sipendpoint.enabled=false\n",
    );
    assert_eq!(
        types(&chat(&ws, 1).events),
        ["ADDED", "INVITED", "ACCEPTED"]
    );
    let (_, e) = ok(&ws, "email.create", json!(["kim@example.com", null])).await;
    let email = e[0].data()["interaction"]["interactionId"].clone();
    assert!(
        fails(&ws, "interaction.markdone", json!([email]))
            .await
            .contains("privilege.email.can-mark-done")
    );
    // A chat accepted before the reload is withheld too: the option counts when it is used.
    assert!(
        fails(&ws, "interaction.markdone", json!([accepted]))
            .await
            .contains("privilege.chat.can-release")
    );
    assert!(
        fails(&ws, "sipEndpoint.muteSpeaker", json!([]))
            .await
            .contains("sipendpoint.enabled")
    );

    // The file no longer sets them: the defaults are back.
    configure(&ws, "");
    assert_eq!(types(&chat(&ws, 2).events), ["ADDED", "INVITED"]);
    ok(&ws, "interaction.markdone", json!([email])).await;
    ok(&ws, "interaction.markdone", json!([accepted])).await;
    ok(&ws, "sipEndpoint.muteSpeaker", json!([])).await;
    let (data, _) = ok(&ws, "configuration.getOption", json!(["chat.auto-answer"])).await;
    assert_eq!(data.unwrap()[0]["options"]["chat.auto-answer"], "false");
}

#[tokio::test]
async fn dialog_urls_get_the_dialog_id_and_the_agent_substituted() {
    let ws = workspace();
    ok(
        &ws,
        "system.openDialog",
        json!(["https://app.example/d.html?id=$Dialog.Id$&who=$Agent.FullName$&u=$Agent.UserName$&x=$Unknown$"]),
    )
    .await;
    assert_eq!(
        ws.dialogs()[0].1,
        "https://app.example/d.html?id=wweCustomDialog1&who=Ada%20Lovelace&u=agent1&x=$Unknown$"
    );
}

#[tokio::test]
async fn a_toast_with_auto_close_timeout_closes_itself() {
    let ws = workspace();
    // `ok` sends at 1 s; the toast closes 5 s later.
    let (id, _) = ok(
        &ws,
        "system.popupToast",
        json!([{"title": "Hi", "message": "soon gone", "autoCloseTimeout": 5000}]),
    )
    .await;
    let id = id.unwrap().as_str().unwrap().to_owned();
    let (_, _) = ok(&ws, "system.popupToast", json!([{"title": "stays"}])).await;
    assert_eq!(ws.toasts(at(5999)).len(), 2);
    let open: Vec<String> = ws.toasts(at(6000)).into_iter().map(|(id, _)| id).collect();
    assert_eq!(open, ["wweCustomToast1"]);
    let closed = ws
        .call(&cx(6000), request("system.closeToast", json!([id])))
        .await;
    assert!(closed.result.is_err_and(|e| {
        e.message
            .contains("is open: use the id returned when it was opened")
    }),);
}
