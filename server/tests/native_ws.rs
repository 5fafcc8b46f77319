//! The native WebSocket endpoint over real loopback sockets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::policy;
use agentdesk_protocol::scapi::Request;
use agentdesk_server::engine::{Engine, EngineConfig};
use agentdesk_server::service::{Service, SystemClock};
use agentdesk_server::workspace::{CallContext, Reply, Workspace};
use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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

async fn start() -> (String, tokio::task::JoinHandle<()>) {
    start_with(EngineConfig::default()).await
}

async fn start_with(config: EngineConfig) -> (String, tokio::task::JoinHandle<()>) {
    let options = "service-client-api.accepted-web-content-origins=http://app.example";
    let engine = Engine::new(policy::parse(options).unwrap().policy, config);
    let service = Service::new(engine, Arc::new(Agents), Arc::new(SystemClock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/scapi", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, agentdesk_server::scapi_router(service))
            .await
            .unwrap();
    });
    (url, server)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, origin: Option<&str>) -> Socket {
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

async fn next(socket: &mut Socket) -> Option<Value> {
    match tokio::time::timeout(Duration::from_millis(300), socket.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => Some(serde_json::from_str(&text).unwrap()),
        _ => None,
    }
}

#[tokio::test]
async fn a_native_client_is_identified_by_its_handshake_origin() {
    let (url, _server) = start().await;
    let mut app = connect(&url, Some("http://app.example")).await;
    let handshake = next(&mut app).await.unwrap();
    assert!(handshake["frameId"].is_string());
    let request = json!({ "request": "agent.get", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2 });
    app.send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
    assert_eq!(next(&mut app).await.unwrap()["data"]["username"], "jdoe");

    // Another origin, even claiming the accepted one inside the message, gets nothing.
    let mut foreign = connect(&url, Some("http://evil.example")).await;
    let mut claimed = request.clone();
    claimed["origin"] = json!("http://app.example");
    foreign
        .send(Message::Text(claimed.to_string().into()))
        .await
        .unwrap();
    assert_eq!(next(&mut foreign).await, None);
    // No Origin header at all is the opaque origin `null`, which only `*` accepts.
    let mut anonymous = connect(&url, None).await;
    anonymous
        .send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
    assert_eq!(next(&mut anonymous).await, None);
}

#[tokio::test]
async fn bad_input_does_not_stop_the_server() {
    let (url, _server) = start().await;
    let mut app = connect(&url, Some("http://app.example")).await;
    next(&mut app).await.unwrap();
    app.send(Message::Text("not json".into())).await.unwrap();
    app.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    app.send(Message::Text("x".repeat(300 * 1024).into()))
        .await
        .unwrap();
    app.send(Message::Text(
        json!({ "event": "bogus", "referenceId": "1" })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let failure = next(&mut app).await.unwrap();
    assert!(
        failure["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Invalid message: $.event")
    );
    let request = json!({ "request": "agent.get", "referenceId": "2", "userAgent": "WWE Client", "protocolVersion": 2 });
    app.send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
    assert_eq!(next(&mut app).await.unwrap()["referenceId"], "2");
}

/// Whether the server closed the socket (or ends it) instead of serving it.
async fn closed(socket: &mut Socket) -> bool {
    match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
        Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => true,
        Ok(Some(Ok(_))) | Err(_) => false,
    }
}

#[tokio::test]
async fn foreign_sockets_cannot_keep_accepted_apps_out() {
    let mut config = EngineConfig::default();
    config.max_frames = 4;
    config.max_unaccepted_frames = 2;
    let (url, _server) = start_with(config).await;
    // More foreign pages than both limits together.
    let mut foreign = Vec::new();
    for _ in 0..6 {
        foreign.push(connect(&url, Some("http://evil.example")).await);
    }
    for socket in &mut foreign[2..] {
        assert!(closed(socket).await, "over the cap for unaccepted origins");
    }
    let mut apps = Vec::new();
    for i in 0..4 {
        let mut app = connect(&url, Some("http://app.example")).await;
        let handshake = next(&mut app).await;
        assert!(
            handshake.as_ref().is_some_and(|h| h["frameId"].is_string()),
            "app {i}: {handshake:?}"
        );
        apps.push(app);
    }
    let request = json!({ "request": "agent.get", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2 });
    apps[3]
        .send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        next(&mut apps[3]).await.unwrap()["data"]["username"],
        "jdoe"
    );
    // The foreign sockets kept open are served (and ignored) all along.
    assert_eq!(next(&mut foreign[0]).await, None);
}
