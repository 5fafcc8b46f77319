//! The three outbound preview modes against the seed's "Outbound preview events" table
//! (spec section 7), one snapshot per mode and branch.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod simulated_support;

use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::types::RecordFields;
use agentdesk_server::simulated::{CampaignSpec, PreviewMode, SimulatedConfig, SimulatedWorkspace};
use serde_json::json;
use simulated_support::*;

const CAMPAIGN: &str = "Offer of the Month";

fn workspace(mode: PreviewMode) -> SimulatedWorkspace {
    let ws = SimulatedWorkspace::new(
        SimulatedConfig::default()
            .with_seed(42)
            .with_campaign(CampaignSpec::preview(CAMPAIGN, mode)),
    );
    ws.load_campaign(at(0), CAMPAIGN).unwrap();
    ws.start_campaign(at(0), CAMPAIGN).unwrap();
    ws
}

/// Brings a record to the agent; returns the preview id and the "record received" events.
async fn receive(ws: &SimulatedWorkspace, mode: PreviewMode) -> (String, Vec<Event>) {
    match mode {
        PreviewMode::Pull => {
            let (data, events) = ok(ws, "outbound.getPreviewRecord", json!([CAMPAIGN])).await;
            (
                data.unwrap()["interactionId"].as_str().unwrap().to_owned(),
                events,
            )
        }
        _ => {
            if mode == PreviewMode::DirectPush {
                ok(ws, "outbound.startDirectPushPreview", json!([])).await;
            }
            let arrival = ws.push_preview_record(at(0), CAMPAIGN).unwrap();
            (arrival.interaction_id, arrival.events)
        }
    }
}

/// Brings a record and gets it to PREVIEWING (accepting it in the push modes).
async fn previewing(ws: &SimulatedWorkspace, mode: PreviewMode) -> String {
    let (id, _) = receive(ws, mode).await;
    if mode != PreviewMode::Pull {
        ok(ws, "interaction.accept", json!([id])).await;
    }
    id
}

/// The id of the outbound call among the events.
fn call_id(events: &[Event]) -> String {
    rows(events)
        .iter()
        .find(|r| r["callType"] == "OUTBOUND")
        .map(|r| r["interactionId"].as_str().unwrap().to_owned())
        .unwrap()
}

struct Branches {
    received: Vec<Event>,
    accepted: Vec<Event>,
    rejected: Vec<Event>,
    call: Vec<Event>,
    release_and_mark_done: Vec<Event>,
    reject_record: Vec<Event>,
    cancel_record: Vec<Event>,
}

async fn branches(mode: PreviewMode) -> Branches {
    let ws = workspace(mode);
    let (id, received) = receive(&ws, mode).await;
    let (accepted, rejected) = if mode == PreviewMode::Pull {
        (Vec::new(), Vec::new())
    } else {
        let (_, accepted) = ok(&ws, "interaction.accept", json!([id])).await;
        let (other, _) = receive(&ws, mode).await;
        let (_, rejected) = ok(&ws, "interaction.reject", json!([other])).await;
        assert!(
            ws.interaction(&other).is_none(),
            "a rejected push record leaves the list"
        );
        (accepted, rejected)
    };
    let (_, call) = ok(&ws, "outbound.callPreviewRecord", json!([id, null])).await;
    let call_id = call_id(&call);
    let (_, mut release_and_mark_done) = ok(&ws, "voice.hangUp", json!([call_id])).await;
    let (_, markdone) = ok(&ws, "interaction.markdone", json!([call_id])).await;
    release_and_mark_done.extend(markdone);
    assert!(
        ws.interactions().is_empty(),
        "mark done clears the flow: {:?}",
        ws.interactions()
    );

    let id = previewing(&ws, mode).await;
    let (_, reject_record) = ok(&ws, "outbound.rejectPreviewRecord", json!([id])).await;
    let id = previewing(&ws, mode).await;
    let (_, cancel_record) = ok(&ws, "outbound.cancelPreviewRecord", json!([id])).await;
    Branches {
        received,
        accepted,
        rejected,
        call,
        release_and_mark_done,
        reject_record,
        cancel_record,
    }
}

fn snapshot(name: &str, events: &[Event]) {
    insta::assert_json_snapshot!(name, rows(events));
}

#[tokio::test]
async fn pull_preview_follows_the_seed_table() {
    let b = branches(PreviewMode::Pull).await;
    let received = ["CALL", "REJECT_RECORD", "CANCEL_RECORD"];
    assert_eq!(
        table(&b.received),
        [
            row("ADDED", "PREVIEWING", "OUTBOUND_PREVIEW", &received),
            row("PREVIEWING", "PREVIEWING", "OUTBOUND_PREVIEW", &received),
        ]
    );
    assert_eq!(
        table(&b.call),
        [
            row("ADDED", "DIALING", "OUTBOUND", &["HANGUP"]),
            row("DIALING", "DIALING", "OUTBOUND", &["HANGUP"]),
            row("REMOVED", "IDLE", "OUTBOUND_PREVIEW", &[]),
        ]
    );
    assert_eq!(
        table(&b.release_and_mark_done),
        [
            row("RELEASED", "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("MARKDONE_APPLY", "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("REMOVED", "IDLE", "OUTBOUND", &[]),
        ]
    );
    assert_eq!(
        table(&b.reject_record),
        [row(
            "STATE_CHANGE",
            "REJECTED",
            "OUTBOUND_PREVIEW",
            &["MARK_DONE"]
        )]
    );
    assert_eq!(
        table(&b.cancel_record),
        [row(
            "STATE_CHANGE",
            "CANCELED",
            "OUTBOUND_PREVIEW",
            &["MARK_DONE"]
        )]
    );
    snapshot("pull_received", &b.received);
    snapshot("pull_call", &b.call);
    snapshot("pull_release_and_mark_done", &b.release_and_mark_done);
    snapshot("pull_reject_record", &b.reject_record);
    snapshot("pull_cancel_record", &b.cancel_record);
}

#[tokio::test]
async fn regular_push_preview_follows_the_seed_table() {
    let b = branches(PreviewMode::RegularPush).await;
    let ct = "OUTBOUND_PUSH_PREVIEW";
    assert_eq!(
        table(&b.received),
        [
            row("ADDED", "INVITED", ct, &["ACCEPT", "REJECT"]),
            row("INVITED", "INVITED", ct, &["ACCEPT", "REJECT"]),
        ]
    );
    assert_eq!(
        table(&b.accepted),
        [row(
            "PREVIEWING",
            "PREVIEWING",
            ct,
            &["CALL", "REJECT_RECORD", "CANCEL_RECORD"]
        )]
    );
    assert_eq!(table(&b.rejected), [row("REMOVED", "REJECTED", ct, &[])]);
    assert_eq!(
        table(&b.call),
        [
            row("ADDED", "DIALING", "OUTBOUND", &["HANGUP"]),
            row("DIALING", "DIALING", "OUTBOUND", &["HANGUP"]),
            row("ESTABLISHED", "TALKING", "OUTBOUND", &["HANGUP", "HOLD"]),
        ]
    );
    assert_eq!(
        table(&b.release_and_mark_done),
        [
            row("RELEASED", "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("MARKDONE_APPLY", "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("REMOVED", "IDLE", ct, &["MARK_DONE"]),
            row("REMOVED", "IDLE", "OUTBOUND", &[]),
        ]
    );
    assert_eq!(
        table(&b.reject_record),
        [row("STATE_CHANGE", "REJECTED", ct, &["MARK_DONE"])]
    );
    assert_eq!(
        table(&b.cancel_record),
        [row("STATE_CHANGE", "CANCELED", ct, &["MARK_DONE"])]
    );
    snapshot("regular_push_received", &b.received);
    snapshot("regular_push_accepted", &b.accepted);
    snapshot("regular_push_rejected", &b.rejected);
    snapshot("regular_push_call", &b.call);
    snapshot(
        "regular_push_release_and_mark_done",
        &b.release_and_mark_done,
    );
    snapshot("regular_push_reject_record", &b.reject_record);
    snapshot("regular_push_cancel_record", &b.cancel_record);
}

#[tokio::test]
async fn direct_push_preview_follows_the_seed_table() {
    let b = branches(PreviewMode::DirectPush).await;
    let ct = "OUTBOUND_PREVIEW";
    assert_eq!(
        table(&b.received),
        [
            row("ADDED", "INVITED", ct, &["ACCEPT", "REJECT"]),
            row("INVITED", "INVITED", ct, &["ACCEPT", "REJECT"]),
        ]
    );
    assert_eq!(
        table(&b.accepted),
        [row(
            "PREVIEWING",
            "PREVIEWING",
            ct,
            &["CALL", "REJECT_RECORD", "CANCEL_RECORD"]
        )]
    );
    assert_eq!(table(&b.rejected), [row("REMOVED", "REJECTED", ct, &[])]);
    assert_eq!(
        table(&b.call),
        [
            row("ADDED", "DIALING", "OUTBOUND", &["HANGUP"]),
            row("DIALING", "DIALING", "OUTBOUND", &["HANGUP"]),
            row("ESTABLISHED", "TALKING", "OUTBOUND", &["HANGUP"]),
            row("REMOVED", "IDLE", ct, &[]),
        ]
    );
    assert_eq!(
        table(&b.release_and_mark_done),
        [
            row("RELEASED", "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("MARKDONE_APPLY", "IDLE", "OUTBOUND", &["MARK_DONE"]),
            row("REMOVED", "IDLE", "OUTBOUND", &[]),
        ]
    );
    assert_eq!(
        table(&b.reject_record),
        [row("STATE_CHANGE", "REJECTED", ct, &["MARK_DONE"])]
    );
    assert_eq!(
        table(&b.cancel_record),
        [row("STATE_CHANGE", "CANCELED", ct, &["MARK_DONE"])]
    );
    snapshot("direct_push_received", &b.received);
    snapshot("direct_push_accepted", &b.accepted);
    snapshot("direct_push_rejected", &b.rejected);
    snapshot("direct_push_call", &b.call);
    snapshot(
        "direct_push_release_and_mark_done",
        &b.release_and_mark_done,
    );
    snapshot("direct_push_reject_record", &b.reject_record);
    snapshot("direct_push_cancel_record", &b.cancel_record);
}

#[tokio::test]
async fn direct_push_records_wait_for_start_direct_push_preview() {
    let ws = workspace(PreviewMode::DirectPush);
    let error = ws.push_preview_record(at(0), CAMPAIGN).unwrap_err();
    assert!(
        error.to_string().contains("startDirectPushPreview"),
        "{error}"
    );
    ok(&ws, "outbound.startDirectPushPreview", json!([])).await;
    ws.push_preview_record(at(0), CAMPAIGN).unwrap();
    ok(&ws, "outbound.stopDirectPushPreview", json!([])).await;
    assert!(ws.push_preview_record(at(0), CAMPAIGN).is_err());
}

fn record(handle: i64, phone: &str, event: &str) -> RecordFields {
    let value = json!({
        "GSW_RECORD_HANDLE": handle,
        "GSW_PHONE": phone,
        "GSW_CALL_RESULT": 28,
        "GSW_CHAIN_ID": 3,
        "GSW_USER_EVENT": event,
        "Custom_Float": "16.64",
    });
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn chained_records_are_retrieved_and_operated_on() {
    let ws = SimulatedWorkspace::new(SimulatedConfig::default().with_seed(42).with_campaign(
        CampaignSpec::preview(CAMPAIGN, PreviewMode::Pull).with_chain(vec![
            record(283, "+33647005", "PreviewRecord"),
            record(284, "+33647004", "ChainedRecord"),
        ]),
    ));
    ws.load_campaign(at(0), CAMPAIGN).unwrap();
    ws.start_campaign(at(0), CAMPAIGN).unwrap();
    let (data, events) = ok(&ws, "outbound.getPreviewRecord", json!([CAMPAIGN])).await;
    let id = data.unwrap()["interactionId"].as_str().unwrap().to_owned();
    assert_eq!(types(&events), ["ADDED", "PREVIEWING", "RECORDS_RETRIEVED"]);
    let retrieved = events[2].data();
    assert_eq!(events[2].event_key(), "interaction");
    let interaction = &retrieved["interaction"];
    assert_eq!(interaction["chainedRecords"].as_array().unwrap().len(), 2);
    assert_eq!(interaction["state"], "PREVIEWING");
    // As in the seed: numbers in chainedRecords, strings in userData.
    assert_eq!(interaction["chainedRecords"][0]["GSW_RECORD_HANDLE"], 283);
    assert_eq!(interaction["userData"]["GSW_RECORD_HANDLE"], "283");
    assert_eq!(interaction["userData"]["IW_CaseUid"], interaction["caseId"]);
    assert_eq!(interaction["startDate"], serde_json::Value::Null);
    insta::assert_json_snapshot!("records_retrieved", retrieved, {
        ".interaction.caseId" => "[case]",
        ".interaction.bundleId" => "[bundle]",
        ".interaction.userData.IW_CaseUid" => "[case]",
        ".interaction.userData.IW_BundleUid" => "[bundle]",
    });

    let (chain, _) = ok(&ws, "outbound.getChainedRecords", json!([id])).await;
    assert_eq!(chain.unwrap().as_array().unwrap().len(), 2);
    let (fields, _) = ok(&ws, "outbound.getRecordFields", json!([id])).await;
    assert_eq!(fields.unwrap()["GSW_PHONE"], "+33647005");
    ok(
        &ws,
        "outbound.updateRecordFields",
        json!([id, {"Custom_Float": "1.5"}]),
    )
    .await;
    let (fields, _) = ok(&ws, "outbound.getRecordFields", json!([id])).await;
    assert_eq!(fields.unwrap()["Custom_Float"], "1.5");

    let (list, _) = ok(&ws, "outbound.getListOfCallResults", json!([])).await;
    assert!(
        list.unwrap()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["value"] == 33)
    );
    let (result, _) = ok(&ws, "outbound.getCallResult", json!([id])).await;
    assert_eq!(result.unwrap(), json!({"name": "OK", "value": 28}));
    ok(&ws, "outbound.setCallResult", json!([id, 33])).await;
    let (result, _) = ok(&ws, "outbound.getCallResult", json!([id])).await;
    assert_eq!(result.unwrap(), json!({"name": "Answer", "value": 33}));
    let error = fails(&ws, "outbound.setCallResult", json!([id, 999])).await;
    assert!(error.contains("getListOfCallResults"), "{error}");

    ok(
        &ws,
        "outbound.rescheduleRecord",
        json!([id, 284, "10/21/2030 14:30", "CAMPAIGN"]),
    )
    .await;
    ok(&ws, "outbound.cancelReschedule", json!([id])).await;
    assert!(
        fails(&ws, "outbound.cancelReschedule", json!([id]))
            .await
            .contains("rescheduleRecord")
    );
    assert!(
        fails(
            &ws,
            "outbound.rescheduleRecord",
            json!([id, 999, "10/21/2030 14:30", "CAMPAIGN"])
        )
        .await
        .contains("999")
    );
    assert!(
        fails(
            &ws,
            "outbound.rescheduleRecord",
            json!([id, 284, "tomorrow", "CAMPAIGN"])
        )
        .await
        .contains("M/D/YYYY")
    );
    ok(&ws, "outbound.setDoNotCall", json!([id])).await;
    ok(&ws, "outbound.removeDoNotCall", json!([id])).await;

    // Dial the chained record: the call shares the chain, and dials its number.
    let (_, call) = ok(&ws, "outbound.callPreviewRecord", json!([id, 284])).await;
    let call_id = call_id(&call);
    let dialed = ws.interaction(&call_id).unwrap();
    assert_eq!(dialed.dnis.as_deref(), Some("+33647004"));
    let (fields, _) = ok(&ws, "outbound.getRecordFields", json!([call_id])).await;
    assert_eq!(fields.unwrap()["GSW_RECORD_HANDLE"], 284);
    let error = fails(&ws, "outbound.getRecordFields", json!(["77"])).await;
    assert!(error.contains("No interaction with id '77'"), "{error}");
}

#[tokio::test]
async fn campaign_lifecycle_events_and_get_campaigns() {
    let ws = SimulatedWorkspace::new(
        SimulatedConfig::default().with_campaign(CampaignSpec::dialing(CAMPAIGN, "Predictive GVP")),
    );
    let (data, _) = ok(&ws, "outbound.getCampaigns", json!([])).await;
    assert_eq!(data.unwrap(), json!([]));
    let mut events = ws.load_campaign(at(0), CAMPAIGN).unwrap();
    events.extend(ws.start_campaign(at(0), CAMPAIGN).unwrap());
    let (data, _) = ok(&ws, "outbound.getCampaigns", json!([])).await;
    assert_eq!(
        data.unwrap(),
        json!([{"name": CAMPAIGN, "mode": "Predictive GVP", "status": "Running"}])
    );
    assert!(ws.start_campaign(at(0), CAMPAIGN).is_err());
    events.extend(ws.unload_campaign(at(0), CAMPAIGN).unwrap());
    let data: Vec<_> = events
        .iter()
        .map(|e| (e.event_key().into_owned(), e.data()))
        .collect();
    assert_eq!(
        data,
        [
            (
                "outbound".to_owned(),
                json!({"eventType": "CampaignLoaded", "campaign": CAMPAIGN})
            ),
            (
                "outbound".to_owned(),
                json!({"eventType": "CampaignStarted", "campaign": CAMPAIGN, "mode": "Predictive GVP"})
            ),
            (
                "outbound".to_owned(),
                json!({"eventType": "CampaignStopped", "campaign": CAMPAIGN})
            ),
            (
                "outbound".to_owned(),
                json!({"eventType": "CampaignUnloaded", "campaign": CAMPAIGN})
            ),
        ]
    );
    let error = fails(&ws, "outbound.getPreviewRecord", json!([CAMPAIGN])).await;
    assert!(error.contains("start the campaign"), "{error}");
    assert!(
        ws.load_campaign(at(0), "Nope")
            .unwrap_err()
            .to_string()
            .contains("Unknown campaign 'Nope'")
    );
}
