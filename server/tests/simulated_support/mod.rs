//! Helpers shared by the simulated-workspace tests (included with `mod`).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::{Event, Request};
use agentdesk_server::engine::FrameId;
use agentdesk_server::simulated::SimulatedWorkspace;
use agentdesk_server::workspace::{CallContext, Reply, Workspace};
use serde_json::{Value, json};

/// 2024-01-01T00:00:00Z.
pub const T0: u64 = 1_704_067_200_000;

pub fn at(offset_ms: u64) -> Timestamp {
    Timestamp::from_millis(T0 + offset_ms)
}

pub fn cx(offset_ms: u64) -> CallContext {
    CallContext::new(FrameId(1), "https://app.example", None, at(offset_ms))
}

pub fn cx_tab(tab: &str) -> CallContext {
    CallContext::new(FrameId(1), "https://app.example", Some(tab.into()), at(0))
}

pub fn request(name: &str, parameters: Value) -> Request {
    let parameters = parameters.as_array().cloned().unwrap_or_default();
    Request::decode(name, &parameters).unwrap()
}

pub async fn send(ws: &SimulatedWorkspace, name: &str, parameters: Value) -> Reply {
    ws.call(&cx(1000), request(name, parameters)).await
}

pub async fn ok(
    ws: &SimulatedWorkspace,
    name: &str,
    parameters: Value,
) -> (Option<Value>, Vec<Event>) {
    let reply = send(ws, name, parameters.clone()).await;
    match reply.result {
        Ok(data) => (data.map(Value::from), reply.events),
        Err(error) => panic!("{name}({parameters}) failed: {error}"),
    }
}

pub async fn fails(ws: &SimulatedWorkspace, name: &str, parameters: Value) -> String {
    let reply = send(ws, name, parameters.clone()).await;
    assert!(reply.events.is_empty(), "a refused request emits nothing");
    match reply.result {
        Ok(data) => panic!("{name}({parameters}) succeeded with {data:?}"),
        Err(error) => error.message,
    }
}

/// `(family, eventType)` of each event.
pub fn kinds(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let data = e.data();
            let tag = data["eventType"].as_str().unwrap_or("").to_owned();
            (e.event_key().into_owned(), tag)
        })
        .collect()
}

/// The `eventType`s of interaction events.
pub fn types(events: &[Event]) -> Vec<String> {
    kinds(events).into_iter().map(|(_, t)| t).collect()
}

/// One row per event as the seed's outbound preview table reads: eventType, interaction id,
/// state, callType, capabilities.
pub fn rows(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let data = e.data();
            let i = &data["interaction"];
            json!({
                "eventType": data["eventType"],
                "interactionId": i["interactionId"],
                "state": i["state"],
                "callType": i["callType"],
                "capabilities": i["capabilities"].as_array().cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The table columns only, for comparison with the seed.
pub fn table(events: &[Event]) -> Vec<(String, String, String, Vec<String>)> {
    rows(events)
        .into_iter()
        .map(|r| {
            (
                r["eventType"].as_str().unwrap_or("").to_owned(),
                r["state"].as_str().unwrap_or("").to_owned(),
                r["callType"].as_str().unwrap_or("").to_owned(),
                r["capabilities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// A seed table row.
pub fn row(
    event_type: &str,
    state: &str,
    call_type: &str,
    caps: &[&str],
) -> (String, String, String, Vec<String>) {
    (
        event_type.to_owned(),
        state.to_owned(),
        call_type.to_owned(),
        caps.iter().map(|c| (*c).to_owned()).collect(),
    )
}
