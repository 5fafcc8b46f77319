//! The emulator transport: a whole conversation customer <-> simulated agent through
//! agentdesk-server, seen by a Service Client API app as interaction events; and the
//! transport's error paths against a loopback fake of the chat API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentdesk_client::{Client, Subscription};
use agentdesk_protocol::scapi::EventName;
use agentdesk_protocol::webchat::{MessageOptions, StartChatOptions, WebChatEvent};
use agentdesk_server::emulator::{Emulator, EmulatorConfig, RunningEmulator};
use agentdesk_webchat::config::EmulatorSettings;
use agentdesk_webchat::transport::emulator::EmulatorTransport;
use agentdesk_webchat::{ChatConfig, ChatService, CommandError, EventStream, TransportError};
use serde_json::{Value, json};

const APP: &str = "http://app.example";
const WAIT: Duration = Duration::from_secs(10);

async fn emulator() -> RunningEmulator {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.demo_app = None;
    config.options = Some(format!(
        "service-client-api.accepted-web-content-origins={APP}\n"
    ));
    Emulator::start(config).await.unwrap()
}

/// The next interaction event's (eventType, data), skipping nothing.
async fn next_interaction(events: &mut Subscription) -> (String, Value) {
    let event = tokio::time::timeout(WAIT, events.next_event())
        .await
        .expect("an interaction event in time")
        .expect("the subscription is open");
    let data = event.data();
    (
        data["eventType"].as_str().unwrap_or_default().to_owned(),
        data,
    )
}

/// Waits for the first chat event `pick` accepts.
async fn wait_for<T>(
    events: &mut EventStream,
    mut pick: impl FnMut(&WebChatEvent) -> Option<T>,
) -> T {
    let wait = async {
        loop {
            let event = events.next().await.expect("the service is alive");
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    };
    tokio::time::timeout(WAIT, wait)
        .await
        .expect("the chat event in time")
}

fn agent_text(event: &WebChatEvent) -> Option<String> {
    let WebChatEvent::MessageReceived(received) = event else {
        return None;
    };
    received
        .messages
        .iter()
        .find(|m| {
            m.kind.as_str() == "Message" && m.party_type().is_some_and(|p| p.as_str() == "Agent")
        })
        .and_then(|m| m.text.clone())
}

async fn control(emulator: &RunningEmulator, action: Value) {
    let response = reqwest::Client::new()
        .post(format!("{}api/actions", emulator.host_url))
        .json(&action)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{action}: {status} {body}");
}

#[tokio::test]
async fn a_whole_conversation_reaches_the_app_as_interaction_events() {
    let emulator = emulator().await;
    let scapi = format!("{}scapi", emulator.host_url.replace("http://", "ws://"));
    let app = Client::connect_websocket(&scapi, Some(APP)).await.unwrap();
    let mut interactions = app.subscribe(&[EventName::Interaction]).await.unwrap();

    let config = ChatConfig::emulator(&emulator.host_url).unwrap();
    let transport = EmulatorTransport::from_config(&config).unwrap();
    let (chat, mut events) = ChatService::new(config, Arc::new(transport));
    let reply = chat
        .start_chat(StartChatOptions {
            nickname: Some("Ann".into()),
            subject: Some("Billing".into()),
            user_data: Some(json!({ "accountId": "A-42" })),
            ..StartChatOptions::default()
        })
        .await
        .unwrap();
    let id = reply["interactionId"].as_str().unwrap().to_owned();

    // The app sees the invitation, with the customer's attached data.
    let (added, _) = next_interaction(&mut interactions).await;
    let (invited, data) = next_interaction(&mut interactions).await;
    assert_eq!((added.as_str(), invited.as_str()), ("ADDED", "INVITED"));
    assert_eq!(data["interaction"]["interactionId"], json!(id));
    assert_eq!(data["interaction"]["media"], "chat");
    assert_eq!(data["interaction"]["userData"]["accountId"], "A-42");
    assert_eq!(data["interaction"]["userData"]["Subject"], "Billing");
    // The session is the chat id (an opaque capability), not the interaction id.
    let chat_id = reply["chatId"].as_str().unwrap().to_owned();
    assert_ne!(chat_id, id);
    assert_eq!(
        chat.get_session_data()
            .map(|d| serde_json::to_value(d).unwrap()["conversationId"].clone()),
        Some(json!(chat_id))
    );

    // The agent accepts: the customer sees the agent join.
    control(
        &emulator,
        json!({ "action": "agent", "interactionId": id, "operation": "accept" }),
    )
    .await;
    let agent = wait_for(&mut events, |e| match e {
        WebChatEvent::AgentConnected(change) => Some(change.message.from.clone()),
        _ => None,
    })
    .await
    .unwrap();
    assert_eq!(agent.kind.as_str(), "Agent");
    assert_eq!(next_interaction(&mut interactions).await.0, "ACCEPTED");

    // The customer writes: NEW_MESSAGE for the app.
    chat.send_message(MessageOptions::text("My invoice looks too high."))
        .await
        .unwrap();
    let (new_message, data) = next_interaction(&mut interactions).await;
    assert_eq!(new_message, "NEW_MESSAGE");
    assert_eq!(
        (
            data["message"]["text"].clone(),
            data["message"]["party"].clone(),
            data["message"]["from"].clone()
        ),
        (
            json!("My invoice looks too high."),
            json!("Client"),
            json!("Ann")
        )
    );

    // The agent types and answers: the customer receives both.
    control(
        &emulator,
        json!({ "action": "agent-typing", "interactionId": id, "typing": true }),
    )
    .await;
    wait_for(&mut events, |e| {
        matches!(e, WebChatEvent::AgentTypingStarted(_)).then_some(())
    })
    .await;
    control(
        &emulator,
        json!({ "action": "agent-chat-message", "interactionId": id, "text": "I have refunded the difference." }),
    )
    .await;
    let said = wait_for(&mut events, agent_text).await;
    assert_eq!(said, "I have refunded the difference.");
    let (agent_message, data) = next_interaction(&mut interactions).await;
    assert_eq!(
        (agent_message.as_str(), data["message"]["party"].clone()),
        ("NEW_MESSAGE", json!("Agent"))
    );

    // The customer's typing reaches the emulator's transcript (not echoed back).
    chat.send_typing(MessageOptions::default()).await.unwrap();

    // The customer ends: ENDED for the app.
    chat.end_chat().await.unwrap();
    assert_eq!(next_interaction(&mut interactions).await.0, "ENDED");
    let transcript = chat.get_transcript();
    let texts: Vec<(String, Option<String>)> = transcript
        .messages
        .iter()
        .map(|m| (m.kind.as_str().to_owned(), m.text.clone()))
        .collect();
    assert!(
        texts.contains(&(
            "Message".to_owned(),
            Some("My invoice looks too high.".to_owned())
        )),
        "{texts:?}"
    );
    assert!(
        texts.contains(&(
            "Message".to_owned(),
            Some("I have refunded the difference.".to_owned())
        )),
        "{texts:?}"
    );
    let own_typing = transcript.messages.iter().any(|m| {
        m.kind.as_str() == "TypingStarted" && m.party_type().is_some_and(|p| p.as_str() == "Client")
    });
    assert!(!own_typing, "the customer's own typing is not echoed back");
    let server_side = emulator.workspace.chat_transcript(&id).unwrap();
    assert!(server_side.ended);
    assert!(
        server_side
            .entries
            .iter()
            .any(
                |e| serde_json::to_value(e).unwrap()["type"] == "TypingStarted"
                    && serde_json::to_value(e).unwrap()["party"] == "Client"
            )
    );

    // Ended locally: further sends are refused with the documented text.
    let refused = chat
        .send_message(MessageOptions::text("hello?"))
        .await
        .unwrap_err();
    assert!(refused.rejection().is_some(), "{refused}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_agent_marking_the_chat_done_ends_it_for_the_customer() {
    let emulator = emulator().await;
    let config = ChatConfig::emulator(&emulator.host_url).unwrap();
    let transport = EmulatorTransport::from_config(&config).unwrap();
    let (chat, mut events) = ChatService::new(config, Arc::new(transport));
    let reply = chat.start_chat(StartChatOptions::default()).await.unwrap();
    let id = reply["interactionId"].as_str().unwrap().to_owned();
    assert_eq!(reply["customer"], "Customer");
    control(
        &emulator,
        json!({ "action": "agent", "interactionId": id, "operation": "accept" }),
    )
    .await;
    control(
        &emulator,
        json!({ "action": "agent", "interactionId": id, "operation": "markdone" }),
    )
    .await;
    wait_for(&mut events, |e| {
        matches!(e, WebChatEvent::AgentDisconnected(_)).then_some(())
    })
    .await;
    wait_for(&mut events, |e| {
        matches!(e, WebChatEvent::Ended).then_some(())
    })
    .await;
    assert!(!chat.verify_session().await.session_active);
    emulator.shutdown().await;
}

// ----- error paths, against a loopback fake of the chat API -------------------------------

use axum::Router;
use axum::extract::ws::{Message as WsMessage, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};

#[derive(Clone, Default)]
struct Fake {
    streams: Arc<AtomicUsize>,
    afters: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

fn service(url: &str) -> (ChatService, EventStream) {
    let settings = EmulatorSettings {
        data_url: url.to_owned(),
        reconnect_interval_ms: 20,
    };
    let transport = EmulatorTransport::new(settings, Duration::from_secs(5)).unwrap();
    ChatService::new(ChatConfig::emulator(url).unwrap(), Arc::new(transport))
}

#[tokio::test]
async fn http_errors_become_typed_transport_errors() {
    let url = serve(Router::new().route(
        "/chat/sessions",
        post(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "error": "no agents" })),
            )
        }),
    ))
    .await;
    let (chat, _events) = service(&url);
    let error = chat
        .start_chat(StartChatOptions::default())
        .await
        .unwrap_err();
    let CommandError::Transport(TransportError::Http {
        status,
        body,
        operation,
    }) = &error
    else {
        panic!("expected an HTTP error, got {error:?}");
    };
    assert_eq!(
        (*status, body["error"].clone(), *operation),
        (503, json!("no agents"), "start chat")
    );
    assert!(!chat.verify_session().await.session_active);

    // A created chat whose stream cannot open is a network error, and no session.
    let url = serve(Router::new().route(
        "/chat/sessions",
        post(|| async {
            (
                StatusCode::CREATED,
                axum::Json(json!({ "chatId": "9", "interactionId": "9", "customer": "Ann" })),
            )
        }),
    ))
    .await;
    let (chat, _events) = service(&url);
    let error = chat
        .start_chat(StartChatOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            CommandError::Transport(TransportError::Network { .. })
        ),
        "{error:?}"
    );
    assert!(chat.get_session_data().is_none());
}

#[tokio::test]
async fn a_dropped_stream_is_disconnected_then_reconnected_without_losing_messages() {
    let fake = Fake::default();
    let router = Router::new()
        .route(
            "/chat/sessions",
            post(|| async { (StatusCode::CREATED, axum::Json(json!({ "chatId": "1", "interactionId": "1", "customer": "Ann" }))) }),
        )
        .route(
            "/chat/sessions/1/stream",
            get(
                |State(fake): State<Fake>,
                 Query(query): Query<std::collections::BTreeMap<String, String>>,
                 upgrade: WebSocketUpgrade| async move {
                    let n = fake.streams.fetch_add(1, Ordering::SeqCst);
                    fake.afters.lock().unwrap().push(query.get("after").cloned().unwrap_or_default());
                    upgrade.on_upgrade(move |mut socket| async move {
                        let entry = |index: u64, text: &str| {
                            json!({ "index": index, "type": "Message", "party": "Agent", "from": "Dana", "text": text, "timestamp": 1 })
                                .to_string()
                        };
                        if n == 0 {
                            // One message, then the socket drops without ChatEnded.
                            let _ = socket.send(WsMessage::Text(entry(1, "first").into())).await;
                            let _ = socket.send(WsMessage::Close(None)).await;
                        } else {
                            let _ = socket.send(WsMessage::Text(entry(2, "while you were away").into())).await;
                            let _ = socket.send(WsMessage::Text(json!({ "type": "ChatEnded" }).to_string().into())).await;
                        }
                    })
                },
            ),
        )
        .with_state(fake.clone());
    let url = serve(router).await;
    let (chat, mut events) = service(&url);
    chat.start_chat(StartChatOptions::default()).await.unwrap();
    assert_eq!(wait_for(&mut events, agent_text).await, "first");
    wait_for(&mut events, |e| {
        matches!(e, WebChatEvent::Disconnected).then_some(())
    })
    .await;
    wait_for(&mut events, |e| {
        matches!(e, WebChatEvent::Reconnected).then_some(())
    })
    .await;
    assert_eq!(
        wait_for(&mut events, agent_text).await,
        "while you were away"
    );
    wait_for(&mut events, |e| {
        matches!(e, WebChatEvent::Ended).then_some(())
    })
    .await;
    // The reconnect asked for what came after the last entry seen.
    assert_eq!(*fake.afters.lock().unwrap(), ["0", "1"]);
}

/// The emulator's coming rules: JSON on every POST (bodiless ones included), opaque chat ids,
/// and the stream at the `streamPath` the start reply names.
#[tokio::test]
async fn every_post_is_json_ids_are_opaque_and_the_stream_path_is_followed() {
    #[derive(Clone, Default)]
    struct Seen {
        posts: Arc<std::sync::Mutex<Vec<(String, String, Value)>>>,
    }
    const ID: &str = "c_9/Q w+Z";
    fn json_only(headers: &axum::http::HeaderMap) -> bool {
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    }
    let seen = Seen::default();
    let router = Router::new()
        .route(
            "/chat/sessions",
            post(|State(seen): State<Seen>, headers: axum::http::HeaderMap, body: String| async move {
                if !json_only(&headers) {
                    return (StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(json!({ "error": "JSON only" })));
                }
                seen.posts.lock().unwrap().push(("start".into(), String::new(), serde_json::from_str(&body).unwrap()));
                (StatusCode::CREATED, axum::Json(json!({ "chatId": ID, "interactionId": ID, "customer": "Ann", "streamPath": "/streams/opaque-1" })))
            }),
        )
        .route(
            "/chat/sessions/{id}/{op}",
            post(|State(seen): State<Seen>, axum::extract::Path((id, op)): axum::extract::Path<(String, String)>, headers: axum::http::HeaderMap, body: String| async move {
                if !json_only(&headers) {
                    return (StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(json!({ "error": "JSON only" })));
                }
                let body = serde_json::from_str(&body).unwrap_or(Value::Null);
                seen.posts.lock().unwrap().push((op, id, body));
                (StatusCode::OK, axum::Json(json!({ "ok": true })))
            }),
        )
        .route(
            "/streams/opaque-1",
            get(|upgrade: WebSocketUpgrade| async move {
                upgrade.on_upgrade(|mut socket| async move {
                    let entry = json!({ "index": 1, "type": "Message", "party": "Agent", "from": "Dana", "text": "hi", "timestamp": 1 });
                    let _ = socket.send(WsMessage::Text(entry.to_string().into())).await;
                    while let Some(Ok(_)) = socket.recv().await {}
                })
            }),
        )
        .with_state(seen.clone());
    let url = serve(router).await;
    let (chat, mut events) = service(&url);
    chat.start_chat(StartChatOptions::default()).await.unwrap();
    assert_eq!(wait_for(&mut events, agent_text).await, "hi");
    chat.send_message(MessageOptions::text("hello"))
        .await
        .unwrap();
    chat.end_chat().await.unwrap();
    let posts = seen.posts.lock().unwrap().clone();
    let ops: Vec<_> = posts
        .iter()
        .map(|(op, id, _)| (op.as_str(), id.as_str()))
        .collect();
    assert_eq!(ops, [("start", ""), ("messages", ID), ("end", ID)]);
    assert_eq!(posts[2].2, json!({}), "end sends an empty JSON object");
    let Some(agentdesk_protocol::webchat::SessionData::Guest(data)) = chat.get_session_data()
    else {
        panic!()
    };
    assert!(
        data.web_socket_url.ends_with("/streams/opaque-1"),
        "{}",
        data.web_socket_url
    );
}
