//! The client against a real `agentdesk-server` service over WebSocket on 127.0.0.1:0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use agentdesk_client::{Client, ClientError};
use agentdesk_protocol::policy;
use agentdesk_protocol::scapi::events::{
    InteractionChange, InteractionEvent, InteractionEventType, MediaStateName, StateChanged,
    StateEvent,
};
use agentdesk_protocol::scapi::types::{Interaction, UserData};
use agentdesk_protocol::scapi::{Event, EventName, Request};
use agentdesk_server::engine::{Engine, EngineConfig};
use agentdesk_server::service::{Service, SystemClock};
use agentdesk_server::workspace::{CallContext, Reply, Workspace};
use async_trait::async_trait;
use futures_util::StreamExt;
use serde_json::json;

const APP: &str = "http://app.example";

/// A scripted back end: one agent, one call on `voice.dial`, and `agent.setState`, which
/// never answers.
struct Scripted;

fn call(id: &str) -> Interaction {
    let mut interaction = Interaction::new(id);
    interaction.media = Some("voice".into());
    interaction.ani = Some("5551234".into());
    interaction.user_data = Some(UserData::from([("Segment".into(), json!("Gold"))]));
    interaction
}

fn change(event_type: InteractionEventType, id: &str) -> Event {
    Event::Interaction(InteractionEvent::Change(InteractionChange::new(
        event_type,
        call(id),
    )))
}

#[async_trait]
impl Workspace for Scripted {
    async fn call(&self, _cx: &CallContext, request: Request) -> Reply {
        match request {
            Request::AgentGet(_) => {
                Reply::data(json!({ "username": "jdoe", "employeeId": "1001" }))
            }
            Request::AgentGetState(_) => {
                Reply::data(json!({ "operationName": "Ready", "displayName": "Ready" }))
            }
            Request::AgentSetState(_) => std::future::pending().await,
            Request::VoiceDial(_) => Reply::done().with_events([
                change(InteractionEventType::Dialing, "call-1"),
                Event::Agent(StateEvent::StateChanged(StateChanged::new(
                    MediaStateName::Dialing,
                ))),
                change(InteractionEventType::Established, "call-1"),
            ]),
            Request::InteractionGetInteractions(_) => {
                Reply::data(serde_json::to_value(vec![call("call-1")]).unwrap())
            }
            Request::InteractionGetByInteractionId(_) => Reply::data(json!(null)),
            Request::SipEndpointIsMicrophoneMute(_) | Request::SipEndpointIsSpeakerMute(_) => {
                Reply::data(json!(true))
            }
            _ => Reply::done(),
        }
    }
}

/// A server on its own runtime, so the test can shut it down like a process exiting.
struct Server {
    url: String,
    service: Service,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    fn start(options: &str) -> Self {
        Self::start_with(options, EngineConfig::default())
    }

    fn start_with(options: &str, config: EngineConfig) -> Self {
        let engine = Engine::new(policy::parse(options).unwrap().policy, config);
        let service = Service::new(engine, Arc::new(Scripted), Arc::new(SystemClock));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("ws://{}/scapi", listener.local_addr().unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let router = agentdesk_server::scapi_router(service.clone());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url,
            service,
            runtime: Some(runtime),
        }
    }

    async fn client(&self, origin: Option<&str>) -> Client {
        Client::connect_websocket(&self.url, origin).await.unwrap()
    }

    /// Stops the server: every socket closes.
    fn shut_down(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn accepted(origin: &str) -> String {
    format!("service-client-api.accepted-web-content-origins={origin}")
}

#[tokio::test]
async fn typed_results_arrive_for_typed_calls() {
    let server = Server::start(&accepted(APP));
    let client = server.client(Some(APP)).await;

    let agent = client.agent().get().await.unwrap();
    assert_eq!(agent.username.as_deref(), Some("jdoe"));
    assert_eq!(agent.employee_id.as_deref(), Some("1001"));
    let state = client.agent().get_state().await.unwrap();
    assert_eq!(state.operation_name.as_deref(), Some("Ready"));
    let interactions = client.interaction().get_interactions().await.unwrap();
    assert_eq!(interactions.len(), 1);
    assert_eq!(interactions[0].ani.as_deref(), Some("5551234"));
    assert_eq!(
        client
            .interaction()
            .get_by_interaction_id("nope")
            .await
            .unwrap(),
        None
    );
    assert!(client.sip_endpoint().is_microphone_mute().await.unwrap());
    client.voice().dial("5551234", None).await.unwrap();
    client
        .interaction()
        .set_user_data(
            "call-1",
            UserData::from([("Segment".into(), json!("Gold"))]),
        )
        .await
        .unwrap();
    // The engine answers this one itself, from the policy.
    let allowed = client.system().get_allowed_services().await.unwrap();
    assert!(allowed.contains(&"voice.dial".to_owned()));
    // The raw form.
    let raw = client
        .send(agentdesk_protocol::scapi::requests::AgentGet::new())
        .await
        .unwrap();
    assert_eq!(raw.unwrap()["username"], "jdoe");
    // The handshake arrived before the first answer, and is echoed from then on.
    assert!(client.frame_id().unwrap().is_string());
}

#[tokio::test]
async fn events_arrive_typed_and_in_order() {
    let server = Server::start(&accepted(APP));
    let client = server.client(Some(APP)).await;
    let mut events = client
        .subscribe(&[EventName::Interaction, EventName::Agent])
        .await
        .unwrap();
    assert!(events.id().starts_with("subscription-"));

    client.voice().dial("5551234", None).await.unwrap();
    server
        .service
        .publish(vec![change(InteractionEventType::Released, "call-1")])
        .await;

    let mut seen = Vec::new();
    for _ in 0..4 {
        let event = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .unwrap()
            .unwrap();
        seen.push(match event {
            Event::Interaction(InteractionEvent::Change(change)) => {
                assert_eq!(change.interaction.ani.as_deref(), Some("5551234"));
                assert_eq!(
                    change.interaction.user_data.unwrap()["Segment"],
                    json!("Gold")
                );
                format!("interaction {}", change.event_type.as_str())
            }
            Event::Agent(StateEvent::StateChanged(state)) => {
                format!("agent {}", state.media_state.as_str())
            }
            other => panic!("unexpected event {other:?}"),
        });
    }
    assert_eq!(
        seen,
        [
            "interaction DIALING",
            "agent DIALING",
            "interaction ESTABLISHED",
            "interaction RELEASED"
        ]
    );
}

#[tokio::test]
async fn a_call_the_service_never_answers_times_out() {
    let server = Server::start(&accepted(APP));
    let client = server.client(Some(APP)).await;
    let quick = client.with_timeout(Duration::from_millis(200));
    let error = quick.agent().set_state("NotReady").await.unwrap_err();
    assert_eq!(
        error,
        ClientError::Timeout {
            request: "agent.setState".into(),
            after: Duration::from_millis(200)
        }
    );
    assert!(error.to_string().contains("accepted-web-content-origins"));
}

#[tokio::test]
async fn an_origin_the_service_does_not_accept_gets_no_answer() {
    let server = Server::start(&accepted(APP));
    // The Origin header is what counts; there is nothing to claim inside a message.
    let foreign = server
        .client(Some("http://elsewhere.example"))
        .await
        .with_timeout(Duration::from_millis(200));
    assert!(matches!(
        foreign.agent().get().await,
        Err(ClientError::Timeout { .. })
    ));
    assert_eq!(foreign.frame_id(), None);
    let anonymous = server
        .client(None)
        .await
        .with_timeout(Duration::from_millis(200));
    assert!(matches!(
        anonymous.agent().get().await,
        Err(ClientError::Timeout { .. })
    ));
}

#[tokio::test]
async fn a_request_the_origin_filter_does_not_grant_is_denied() {
    let server = Server::start(&accepted(&format!("{APP} (agent.*)")));
    let client = server.client(Some(APP)).await;
    assert!(client.agent().get().await.is_ok());
    match client.voice().dial("5551234", None).await {
        Err(ClientError::Denied { error_message }) => assert!(!error_message.is_empty()),
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[tokio::test]
async fn a_rate_limit_is_reported_once_then_the_request_type_is_ignored() {
    let options = format!(
        "{}\nservice-client-api.rate-limit.voice.dial=2",
        accepted(APP)
    );
    let server = Server::start(&options);
    let client = server.client(Some(APP)).await;
    let mut answered = 0;
    let refusal = loop {
        match client.voice().dial("5551234", None).await {
            Ok(_) => answered += 1,
            Err(error) => break error,
        }
        assert!(answered <= 2, "the limit of 2 per minute was not applied");
    };
    match refusal {
        ClientError::RateLimited {
            request,
            error_message,
        } => {
            assert!(!request.is_empty());
            assert!(error_message.contains("voice.dial"), "{error_message}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    // Quarantined: ignored, so the call times out.
    let quick = client.with_timeout(Duration::from_millis(200));
    assert!(matches!(
        quick.voice().dial("5551234", None).await,
        Err(ClientError::Timeout { .. })
    ));
    // Other request types are not affected.
    assert!(client.agent().get().await.is_ok());
}

#[tokio::test]
async fn a_server_shutdown_fails_pending_calls_with_closed() {
    let mut server = Server::start(&accepted(APP));
    let client = server.client(Some(APP)).await;
    let mut events = client.subscribe(&[EventName::Interaction]).await.unwrap();
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.agent().set_state("NotReady").await }
    });
    // The call is on the wire (the server answers the next request only after it).
    tokio::task::yield_now().await;
    server.shut_down();
    let result = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the pending call did not fail when the server went away")
        .unwrap();
    assert_eq!(result, Err(ClientError::Closed));
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .unwrap(),
        None
    );
    assert_eq!(client.agent().get().await, Err(ClientError::Closed));
}

#[tokio::test]
async fn subscribe_is_once_per_client_and_unsubscribe_frees_it() {
    let mut config = EngineConfig::default();
    // If the unsubscription did not reach the service, the second subscribe would fail.
    config.max_subscriptions_per_frame = 1;
    let server = Server::start_with(&accepted(APP), config);
    let client = server.client(Some(APP)).await;
    let first = client.subscribe(&[EventName::Interaction]).await.unwrap();
    let error = client.subscribe(&[EventName::Agent]).await.unwrap_err();
    assert!(matches!(error, ClientError::AlreadySubscribed { .. }));
    assert!(error.to_string().contains("only once"));

    let first_id = first.id().to_owned();
    client.unsubscribe(first).await.unwrap();
    let mut second = client.subscribe(&[EventName::Agent]).await.unwrap();
    assert_ne!(second.id(), first_id);

    // Interaction events are no longer delivered; agent events are.
    server
        .service
        .publish(vec![
            change(InteractionEventType::Ringing, "call-2"),
            Event::Agent(StateEvent::StateChanged(StateChanged::new(
                MediaStateName::Ready,
            ))),
        ])
        .await;
    let event = tokio::time::timeout(Duration::from_secs(5), second.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.name(), EventName::Agent);
}
