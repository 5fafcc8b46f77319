#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Genesys Cloud guest chat v2 transport against a loopback fake: REST calls, the event
//! stream, heartbeats, socket drops and reconnection.

mod support;

use std::sync::Arc;

use agentdesk_protocol::webchat::*;
use agentdesk_webchat::config::ChatConfig;
use agentdesk_webchat::transport::guest::GuestChatTransport;
use agentdesk_webchat::{ChatService, CommandError, EventStream, TransportError};
use serde_json::json;
use support::fake_guest::{FakeGuestChat, GUEST};
use support::{drain, wait_for};

fn config(fake: &FakeGuestChat, heartbeat_ms: u64) -> ChatConfig {
    let wire: WebChatConfig = serde_json::from_value(json!({
        "transport": {
            "type": "purecloud-v2-sockets",
            "dataURL": fake.data_url(),
            "deploymentKey": "11111111-2222-3333-4444-555555555555",
            "orgGuid": "66666666-7777-8888-9999-000000000000",
            "maxMessagePageSize": 2,
            "socketHeartbeatTrackerInterval": heartbeat_ms,
            "socketReconnectInterval": 20,
            "interactionData": { "routing": { "targetType": "QUEUE", "targetAddress": "Support", "priority": 2 } }
        },
        "userData": { "accountId": "A-42" }
    }))
    .unwrap();
    ChatConfig::from_wire(&wire).unwrap()
}

async fn service(fake: &FakeGuestChat, heartbeat_ms: u64) -> (ChatService, EventStream) {
    let config = config(fake, heartbeat_ms);
    let transport = Arc::new(GuestChatTransport::from_config(&config).unwrap());
    let (chat, mut events) = ChatService::new(config, transport);
    assert_eq!(drain(&mut events), ["ready", "capabilitiesChanged"]);
    (chat, events)
}

fn ann() -> StartChatOptions {
    serde_json::from_value(
        json!({ "form": { "firstname": "Ann", "lastname": "Lee", "email": "ann@example.com" } }),
    )
    .unwrap()
}

#[tokio::test]
async fn conversation_over_rest_and_the_event_stream() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 5_000).await;
    let reply = chat.start_chat(ann()).await.unwrap();
    assert_eq!(reply["id"], "conv-1");
    assert_eq!(drain(&mut events), ["started"]);
    assert_eq!(
        fake.attaches(),
        1,
        "the socket is attached before startChat resolves"
    );
    let request = fake.state.lock().unwrap().create_requests[0].clone();
    insta::assert_json_snapshot!("guest_create_request", request);

    fake.agent_joins();
    let (event, _) = wait_for(&mut events, "agentConnected").await;
    let WebChatEvent::AgentConnected(change) = event else {
        panic!()
    };
    assert_eq!(change.message.from.unwrap().name.as_deref(), Some("Dana"));
    fake.agent_types();
    wait_for(&mut events, "agentTypingStarted").await;
    fake.agent_says("Hello Ann");
    let (_, skipped) = wait_for(&mut events, "agentTypingStopped").await;
    assert!(
        skipped.iter().all(|n| n == "messageReceived"),
        "{skipped:?}"
    );
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(received) = event else {
        panic!()
    };
    assert_eq!(received.messages[0].text.as_deref(), Some("Hello Ann"));
    assert_eq!(received.messages[0].party_type(), Some(&PartyType::Agent));
    assert!(
        matches!(received.session_data, Some(SessionData::Guest(ref d)) if d.last_message_id.as_deref() == Some("m-2"))
    );

    chat.send_typing(MessageOptions::text("Th")).await.unwrap();
    chat.send_message(MessageOptions::text("Thanks"))
        .await
        .unwrap();
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(echo) = event else {
        panic!()
    };
    assert_eq!(echo.messages[0].party_type(), Some(&PartyType::Client));
    assert_eq!(fake.state.lock().unwrap().typing_posts, 1);

    // What this transport cannot do is rejected with the documented texts.
    let rejection = |e: CommandError| e.to_string();
    assert_eq!(
        rejection(
            chat.send_custom_notice(MessageOptions::text("x"))
                .await
                .unwrap_err()
        ),
        "This transport doesn't support sendCustomNotice command."
    );
    assert_eq!(
        rejection(chat.update_user_data(UserData::new()).await.unwrap_err()),
        "This transport doesn't support updating userData during an active chat session."
    );
    assert_eq!(
        rejection(chat.start_poll().unwrap_err()),
        "This transport doesn't support polling."
    );
    assert_eq!(
        rejection(chat.reset_poll_exceptions().unwrap_err()),
        "This transport doesn't support resetPollExceptions command."
    );
    assert_eq!(
        rejection(
            chat.send_file(agentdesk_webchat::transport::FilePart {
                name: "a.txt".into(),
                content_type: "text/plain".into(),
                bytes: b"a".to_vec(),
            })
            .await
            .unwrap_err()
        ),
        "This transport doesn't support file uploads."
    );

    chat.end_chat().await.unwrap();
    let (_, skipped) = wait_for(&mut events, "ended").await;
    assert!(
        skipped.ends_with(&["clientDisconnected".to_owned()]),
        "{skipped:?}"
    );
    assert!(!fake.state.lock().unwrap().guest_connected);
    assert_eq!(fake.state.lock().unwrap().unauthorised_calls, 0);
}

#[tokio::test]
async fn agent_ending_the_chat_ends_the_session() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 5_000).await;
    chat.start_chat(ann()).await.unwrap();
    fake.agent_joins();
    wait_for(&mut events, "agentConnected").await;
    fake.agent_ends();
    wait_for(&mut events, "agentDisconnected").await;
    wait_for(&mut events, "ended").await;
    assert!(!chat.verify_session().await.session_active);
}

#[tokio::test]
async fn socket_drop_publishes_disconnected_then_reconnected_and_catches_up() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 5_000).await;
    chat.start_chat(ann()).await.unwrap();
    fake.agent_says("first");
    wait_for(&mut events, "messageReceived").await;

    fake.set(|s| s.refuse_sockets = true);
    fake.drop_sockets();
    wait_for(&mut events, "disconnected").await;
    fake.agent_says_offline("said while you were away");
    fake.set(|s| s.refuse_sockets = false);
    wait_for(&mut events, "reconnected").await;
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(caught_up) = event else {
        panic!()
    };
    let texts: Vec<_> = caught_up
        .messages
        .iter()
        .map(|m| m.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["said while you were away"]);
    assert!(fake.attaches() >= 2);
    assert!(chat.verify_session().await.session_active);
}

#[tokio::test]
async fn missing_heartbeats_count_as_a_dead_socket() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 300).await;
    chat.start_chat(ann()).await.unwrap();
    // Heartbeats every 50 ms keep a 300 ms tracker satisfied; then the server goes silent.
    fake.set(|s| s.heartbeats = false);
    wait_for(&mut events, "disconnected").await;
    fake.set(|s| s.heartbeats = true);
    wait_for(&mut events, "reconnected").await;
    assert!(chat.verify_session().await.session_active);
}

#[tokio::test]
async fn http_errors_and_unreachable_streams_reject_start() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 5_000).await;
    fake.set(|s| s.fail_create = Some(400));
    let error = chat.start_chat(ann()).await.unwrap_err();
    let CommandError::Transport(TransportError::Http {
        status: 400, body, ..
    }) = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(body["message"], "routing target not found");
    assert_eq!(drain(&mut events), ["error"]);
    assert!(!chat.verify_session().await.session_active);

    fake.set(|s| s.refuse_sockets = true);
    let error = chat.start_chat(ann()).await.unwrap_err();
    assert!(
        error.to_string().contains("websocket failed to open"),
        "{error}"
    );
    fake.set(|s| s.refuse_sockets = false);
    chat.start_chat(ann()).await.unwrap();
    assert_eq!(
        chat.start_chat(ann()).await.unwrap_err().to_string(),
        "There is already an active chat session"
    );
}

#[tokio::test]
async fn history_pages_and_restore() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 5_000).await;
    chat.start_chat(ann()).await.unwrap();
    for text in ["one", "two", "three"] {
        fake.agent_says_offline(text);
    }
    fake.agent_says("four");
    wait_for(&mut events, "messageReceived").await;

    // Pages of 2 before the oldest seen message ("four").
    chat.fetch_history().await.unwrap();
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(page) = event else {
        panic!()
    };
    assert!(page.old_messages);
    let texts: Vec<_> = page
        .messages
        .iter()
        .map(|m| m.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["two", "three"]);
    chat.fetch_history().await.unwrap();
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(page) = event else {
        panic!()
    };
    assert_eq!(page.messages[0].text.as_deref(), Some("one"));
    assert_eq!(
        chat.fetch_history().await.unwrap_err().to_string(),
        "No more messages to fetch"
    );

    // Another service (a reloaded page) restores the session from the saved JSON.
    let saved = chat.saved_session().unwrap();
    let (second, mut second_events) = service(&fake, 5_000).await;
    second
        .restore(RestoreOptions {
            session_data: Some(saved.to_json()),
            async_mode: None,
        })
        .await
        .unwrap();
    let (_, skipped) = wait_for(&mut second_events, "messageReceived").await;
    assert_eq!(skipped, ["restored"]);
    assert!(second.verify_session().await.session_active);
    assert!(
        matches!(second.get_session_data(), Some(SessionData::Guest(d)) if d.member_id == GUEST)
    );

    // A session the back end already closed cannot be restored.
    chat.end_chat().await.unwrap();
    let (third, mut third_events) = service(&fake, 5_000).await;
    let error = third
        .restore(RestoreOptions {
            session_data: Some(saved.to_json()),
            async_mode: None,
        })
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("customer disconnected, conversation ended"),
        "{error}"
    );
    assert_eq!(drain(&mut third_events), ["restoreTimeout"]);
}

/// A `wss://` event stream on a loopback TLS server whose certificate (for `localhost`) is
/// signed by a CA generated here: the default build opens it, trusting the CA through
/// `extra_root_certificates`, and the agent's message arrives over it.
#[tokio::test]
async fn wss_event_streams_work_with_the_default_build() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                use futures_util::SinkExt;
                // A client that refuses the certificate ends here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut socket = tokio_tungstenite::accept_async(tls).await.unwrap();
                let frame = json!({
                    "topicName": "conversations.conv-1.messages",
                    "eventBody": { "id": "m-tls", "conversation": { "id": "conv-1" },
                                   "sender": { "id": "agent-9" }, "body": "hello over TLS",
                                   "bodyType": "standard", "timestamp": "2024-01-01T10:00:00.000Z" },
                    "metadata": { "type": "message" }
                });
                socket
                    .send(tokio_tungstenite::tungstenite::Message::text(
                        frame.to_string(),
                    ))
                    .await
                    .unwrap();
                // Keep the socket open until the client goes.
                while let Some(Ok(_)) = futures_util::StreamExt::next(&mut socket).await {}
            });
        }
    });

    let fake = FakeGuestChat::start().await;
    fake.state.lock().unwrap().stream_uri = Some(format!("wss://localhost:{port}/stream"));
    let mut trusting = config(&fake, 60_000);
    trusting.extra_root_certificates = vec![ca.der().to_vec()];
    let transport = Arc::new(GuestChatTransport::from_config(&trusting).unwrap());
    let (chat, mut events) = ChatService::new(trusting, transport);
    chat.start_chat(ann()).await.unwrap();
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(received) = event else {
        panic!()
    };
    assert_eq!(received.messages[0].text.as_deref(), Some("hello over TLS"));

    // Without the CA the certificate is refused: startChat fails on the stream.
    let fake = FakeGuestChat::start().await;
    fake.state.lock().unwrap().stream_uri = Some(format!("wss://localhost:{port}/stream"));
    let untrusting = config(&fake, 60_000);
    let transport = Arc::new(GuestChatTransport::from_config(&untrusting).unwrap());
    let (chat, _events) = ChatService::new(untrusting, transport);
    let error = chat.start_chat(ann()).await.unwrap_err().to_string();
    assert!(!error.contains("TLS support not compiled in"), "{error}");
    assert!(error.contains("websocket failed to open"), "{error}");
}

fn last_create(fake: &FakeGuestChat) -> serde_json::Value {
    fake.state
        .lock()
        .unwrap()
        .create_requests
        .last()
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn interaction_data_routes_and_describes_the_conversation() {
    let fake = FakeGuestChat::start().await;
    let wire: WebChatConfig = serde_json::from_value(json!({
        "transport": {
            "type": "purecloud-v2-sockets",
            "dataURL": fake.data_url(),
            "deploymentKey": "d-1",
            "orgGuid": "o-1",
            "interactionData": {
                "routing": { "targetType": "QUEUE", "targetAddress": "Support", "priority": 2 },
                "journey": { "customerId": "c-77", "customerIdType": "cookie", "sessionId": "s-1",
                             "sessionType": "web", "actionId": "a-1", "actionMapId": "am-1",
                             "actionMapVersion": 3 },
                "userData": { "phone": "555-0100" }
            }
        },
        "userData": { "customerId": "59606" }
    }))
    .unwrap();
    let config = ChatConfig::from_wire(&wire).unwrap();
    let transport = Arc::new(GuestChatTransport::from_config(&config).unwrap());
    let (chat, _events) = ChatService::new(config, transport);

    // updateInteractionData before the chat: the next create routes with it.
    chat.execute(
        serde_json::from_value(json!({
            "command": "updateInteractionData",
            "options": { "routing": { "targetAddress": "Billing", "skills": ["Invoices"] } }
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    chat.start_chat(ann()).await.unwrap();
    let create = last_create(&fake);
    assert_eq!(
        create["routingTarget"],
        json!({ "targetType": "QUEUE", "targetAddress": "Billing", "skills": ["Invoices"], "priority": 2 })
    );
    assert_eq!(
        create["journeyContext"],
        json!({
            "customer": { "id": "c-77", "idType": "cookie" },
            "customerSession": { "id": "s-1", "type": "web" },
            "triggeringAction": { "id": "a-1", "actionMap": { "id": "am-1", "version": 3 } }
        })
    );
    let fields = &create["memberInfo"]["customFields"];
    assert_eq!(fields["phoneNumber"], "555-0100");
    assert!(fields.get("phone").is_none(), "{fields}");
    assert_eq!(fields["customerId"], "59606");
    chat.end_chat().await.unwrap();

    // startChat's own interactionData wins for that chat; userData.phone is renamed too.
    let options: StartChatOptions = serde_json::from_value(json!({
        "nickname": "Ann",
        "userData": { "phone": "555-0199" },
        "interactionData": {
            "routing": { "targetAddress": "VIP", "priority": 9 },
            "journey": { "customerId": "c-78" }
        }
    }))
    .unwrap();
    chat.start_chat(options).await.unwrap();
    let create = last_create(&fake);
    assert_eq!(create["routingTarget"]["targetAddress"], "VIP");
    assert_eq!(create["routingTarget"]["priority"], 9);
    assert_eq!(create["journeyContext"]["customer"]["id"], "c-78");
    assert_eq!(
        create["memberInfo"]["customFields"]["phoneNumber"],
        "555-0199"
    );
}

fn restoring_config(fake: &FakeGuestChat, pagination: bool) -> ChatConfig {
    let wire: WebChatConfig = serde_json::from_value(json!({
        "transport": {
            "type": "purecloud-v2-sockets",
            "dataURL": fake.data_url(),
            "deploymentKey": "d-1",
            "orgGuid": "o-1",
            "pagination": pagination,
            "maxMessagePageSize": 2,
            "interactionData": { "routing": { "targetAddress": "Support" } }
        }
    }))
    .unwrap();
    ChatConfig::from_wire(&wire).unwrap()
}

/// Restores the conversation `saved` in a new service; returns the texts it replays, in
/// order, up to and including `until`.
async fn restored_texts(
    fake: &FakeGuestChat,
    pagination: bool,
    saved: &agentdesk_webchat::session::SavedSession,
    until: &str,
) -> (ChatService, Vec<String>) {
    let config = restoring_config(fake, pagination);
    let transport = Arc::new(GuestChatTransport::from_config(&config).unwrap());
    let (chat, mut events) = ChatService::new(config, transport);
    chat.restore(RestoreOptions {
        session_data: Some(saved.to_json()),
        async_mode: None,
    })
    .await
    .unwrap();
    let mut texts = Vec::new();
    while !texts.iter().any(|t| t == until) {
        let (event, _) = wait_for(&mut events, "messageReceived").await;
        let WebChatEvent::MessageReceived(received) = event else {
            panic!()
        };
        texts.extend(
            received
                .messages
                .iter()
                .filter(|m| m.kind.as_str() == "Message")
                .map(|m| m.text.clone().unwrap_or_default()),
        );
    }
    (chat, texts)
}

#[tokio::test]
async fn restore_fetches_one_page_with_pagination_and_everything_without() {
    let fake = FakeGuestChat::start().await;
    let config = restoring_config(&fake, true);
    let transport = Arc::new(GuestChatTransport::from_config(&config).unwrap());
    let (chat, _events) = ChatService::new(config, transport);
    chat.start_chat(ann()).await.unwrap();
    for text in ["one", "two", "three", "four", "five"] {
        fake.agent_says_offline(text);
    }
    let saved = chat.saved_session().unwrap();

    // Pagination on: the newest page of maxMessagePageSize (2), then fetchHistory goes on.
    let (paged, texts) = restored_texts(&fake, true, &saved, "five").await;
    assert_eq!(texts, ["four", "five"]);
    let query = fake
        .state
        .lock()
        .unwrap()
        .list_queries
        .last()
        .cloned()
        .unwrap();
    assert_eq!(query.get("maxResults").map(String::as_str), Some("2"));
    paged.fetch_history().await.unwrap();
    let older: Vec<_> = paged
        .get_transcript()
        .messages
        .iter()
        .filter(|m| m.kind.as_str() == "Message")
        .map(|m| m.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(older, ["two", "three", "four", "five"]);

    // Pagination off: everything at once.
    let (_, texts) = restored_texts(&fake, false, &saved, "five").await;
    assert_eq!(texts, ["one", "two", "three", "four", "five"]);
}

#[tokio::test]
async fn a_message_sent_while_the_history_loads_is_not_lost() {
    let fake = FakeGuestChat::start().await;
    let config = restoring_config(&fake, true);
    let transport = Arc::new(GuestChatTransport::from_config(&config).unwrap());
    let (chat, _events) = ChatService::new(config, transport);
    chat.start_chat(ann()).await.unwrap();
    fake.agent_says_offline("before");
    let saved = chat.saved_session().unwrap();
    // Posted right after the history page is answered: in no page, only on the stream.
    fake.state.lock().unwrap().say_after_list = Some("during".into());
    let (restored, texts) = restored_texts(&fake, true, &saved, "during").await;
    assert_eq!(texts, ["before", "during"]);
    let mut events = restored.subscribe();
    fake.agent_says("after");
    wait_for(&mut events, "messageReceived").await;
    let all: Vec<_> = restored
        .get_transcript()
        .messages
        .iter()
        .filter(|m| m.kind.as_str() == "Message")
        .map(|m| m.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(all, ["before", "during", "after"], "each message once");
}

#[tokio::test]
async fn started_carries_the_guest_credentials_as_the_widget_publishes_them() {
    let fake = FakeGuestChat::start().await;
    let (chat, mut events) = service(&fake, 5_000).await;
    chat.start_chat(ann()).await.unwrap();
    let (event, _) = wait_for(&mut events, "started").await;
    let WebChatEvent::Started(data) = event else {
        panic!()
    };
    assert_eq!(data["data"]["conversationId"], "conv-1");
    assert_eq!(data["data"]["memberId"], GUEST);
    assert_eq!(data["data"]["jwt"], "eyJ0eXAiOiJKV1QifQ.e30.sig");
    assert!(
        data["data"]["WebSocketUrl"]
            .as_str()
            .unwrap()
            .starts_with("ws://")
    );
}

#[tokio::test]
async fn guest_command_results_are_typed() {
    let fake = FakeGuestChat::start().await;
    let (chat, _events) = service(&fake, 5_000).await;
    let reply = chat.start_chat(ann()).await.unwrap();
    let created = reply.guest_conversation().unwrap();
    assert_eq!(
        (created.id.as_str(), created.member.id.as_str()),
        ("conv-1", GUEST)
    );
    assert!(reply.gms().is_none());
    let sent = chat
        .send_message(MessageOptions::text("hello"))
        .await
        .unwrap();
    assert_eq!(sent.guest_message().unwrap().body.as_deref(), Some("hello"));
}
