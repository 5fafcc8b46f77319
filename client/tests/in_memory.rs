//! The in-memory transport: a client connected straight to a `Service` in this process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use agentdesk_client::{Client, ClientError};
use agentdesk_protocol::policy;
use agentdesk_protocol::scapi::{Event, EventName, Request};
use agentdesk_server::engine::{Engine, EngineConfig};
use agentdesk_server::service::{Service, SystemClock};
use agentdesk_server::workspace::{CallContext, Reply, Workspace};
use async_trait::async_trait;
use futures_util::StreamExt;
use serde_json::json;

struct Agents;

#[async_trait]
impl Workspace for Agents {
    async fn call(&self, _cx: &CallContext, request: Request) -> Reply {
        match request {
            Request::AgentGet(_) => Reply::data(json!({ "username": "jdoe" })),
            other => Reply::unsupported(&other),
        }
    }
}

fn service(options: &str) -> Service {
    let engine = Engine::new(
        policy::parse(options).unwrap().policy,
        EngineConfig::default(),
    );
    Service::new(engine, Arc::new(Agents), Arc::new(SystemClock))
}

#[tokio::test]
async fn the_policy_applies_to_the_stated_origin() {
    let service =
        service("service-client-api.accepted-web-content-origins=http://app.example (agent.*)");
    let client = Client::connect_in_memory(&service, "http://app.example")
        .await
        .unwrap();
    assert_eq!(
        client.agent().get().await.unwrap().username.as_deref(),
        Some("jdoe")
    );
    assert!(matches!(
        client.voice().dial("1", None).await,
        Err(ClientError::Denied { .. })
    ));
    let foreign = Client::connect_in_memory(&service, "http://elsewhere.example")
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(200));
    assert!(matches!(
        foreign.agent().get().await,
        Err(ClientError::Timeout { .. })
    ));
}

#[tokio::test]
async fn messenger_broadcasts_reach_the_other_subscribed_client() {
    let service = service("service-client-api.accepted-web-content-origins=*");
    let listener = Client::connect_in_memory(&service, "http://a.example")
        .await
        .unwrap();
    let speaker = Client::connect_in_memory(&service, "http://b.example")
        .await
        .unwrap();
    let channel = EventName::Messenger("crm".into());
    let mut heard = listener.subscribe(&[channel]).await.unwrap();
    speaker
        .messenger()
        .broadcast_message("crm", json!({ "caseId": "c-1" }))
        .await
        .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), heard.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        event,
        Event::Messenger {
            channel: "crm".into(),
            payload: json!({ "caseId": "c-1" })
        }
    );

    listener.close().await;
    assert_eq!(heard.next().await, None);
    assert_eq!(listener.agent().get().await, Err(ClientError::Closed));
}
