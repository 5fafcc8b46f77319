#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The async facade over an in-memory transport on tokio's paused clock: timers fire in
//! virtual time, pushed updates become events, and wire commands dispatch like the bus.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_protocol::webchat::*;
use agentdesk_webchat::config::ChatConfig;
use agentdesk_webchat::transport::{
    ChatTransport, StartRequest, StartedSession, TransportCapabilities, TransportUpdate,
};
use agentdesk_webchat::{ChatService, EventStream, TransportError};
use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Records calls; pushes whatever the test sends through `push`.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
    interaction_data: Mutex<Option<UserData>>,
    push: Mutex<Option<mpsc::UnboundedSender<TransportUpdate>>>,
}

impl Recorder {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn record(&self, call: String) -> Result<Value, TransportError> {
        self.calls.lock().unwrap().push(call);
        Ok(json!({ "ok": true }))
    }

    fn push(&self, update: TransportUpdate) {
        self.push
            .lock()
            .unwrap()
            .as_ref()
            .unwrap()
            .send(update)
            .unwrap();
    }
}

#[async_trait]
impl ChatTransport for Recorder {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::messages_only(Err(RejectionText::HistoryPaginationDisabled))
    }

    async fn start(&self, request: StartRequest) -> Result<StartedSession, TransportError> {
        self.interaction_data
            .lock()
            .unwrap()
            .clone_from(&request.interaction_data);
        self.record(format!(
            "start {}",
            request.options.field(FormField::Nickname).unwrap_or("")
        ))?;
        let (sender, updates) = mpsc::unbounded_channel();
        *self.push.lock().unwrap() = Some(sender);
        Ok(StartedSession {
            response: json!({ "id": "conv-1" }),
            session_data: SessionData::Guest(GuestSessionData {
                jwt: "j".into(),
                conversation_id: "conv-1".into(),
                member_id: "guest-1".into(),
                web_socket_url: "ws://127.0.0.1:1/stream".into(),
                last_message_id: None,
            }),
            replay: Vec::new(),
            updates: Some(updates),
        })
    }

    async fn restore(&self, _session: SessionData) -> Result<StartedSession, TransportError> {
        Err(TransportError::Network {
            operation: "restore",
            message: "offline".into(),
        })
    }

    async fn send_message(&self, text: &str) -> Result<Value, TransportError> {
        self.record(format!("message {text}"))
    }

    async fn send_typing(&self, typing: bool, preview: &str) -> Result<Value, TransportError> {
        self.record(format!("typing {typing} {preview}"))
    }

    async fn end(&self) -> Result<Value, TransportError> {
        self.record("end".into())
    }
}

fn config() -> ChatConfig {
    ChatConfig::gms("http://127.0.0.1:1/genesys/2/chat/x").unwrap()
}

async fn started() -> (ChatService, EventStream, Arc<Recorder>) {
    let transport = Arc::new(Recorder::default());
    let (chat, mut events) = ChatService::new(config(), transport.clone());
    chat.start_chat(StartChatOptions {
        nickname: Some("Ann".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let names: Vec<_> = std::iter::from_fn(|| events.try_next())
        .map(|e| e.name().to_owned())
        .collect();
    assert_eq!(names, ["ready", "capabilitiesChanged", "started"]);
    (chat, events, transport)
}

async fn next_name(events: &mut EventStream) -> String {
    events.next().await.unwrap().name().to_owned()
}

#[tokio::test(start_paused = true)]
async fn typing_stop_timer_fires_in_virtual_time() {
    let (chat, mut events, transport) = started().await;
    chat.send_typing(MessageOptions::text("He")).await.unwrap();
    assert_eq!(next_name(&mut events).await, "clientTypingStarted");
    tokio::time::advance(Duration::from_millis(1_500)).await;
    assert_eq!(
        chat.send_typing(MessageOptions::text("Hel")).await.unwrap(),
        Value::Null
    );
    tokio::time::advance(Duration::from_millis(1_999)).await;
    tokio::task::yield_now().await;
    assert!(
        events.try_next().is_none(),
        "2 s after the last keystroke, not before"
    );
    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(next_name(&mut events).await, "clientTypingStopped");
    assert_eq!(
        transport.calls(),
        ["start Ann", "typing true He", "typing false "]
    );
}

#[tokio::test(start_paused = true)]
async fn pushed_updates_become_events_and_agent_typing_times_out() {
    let (chat, mut events, transport) = started().await;
    let agent = Party::new(
        PartyType::Agent,
        Some(json!("agent-9")),
        Some("Dana".into()),
    );
    transport.push(TransportUpdate::Messages {
        messages: vec![Message::new(MessageType::TypingStarted, None, Some(agent))],
        originals: vec![json!({})],
    });
    assert_eq!(next_name(&mut events).await, "agentTypingStarted");
    assert_eq!(next_name(&mut events).await, "messageReceived");
    tokio::time::advance(Duration::from_millis(3_000)).await;
    assert_eq!(next_name(&mut events).await, "agentTypingTimeout");
    transport.push(TransportUpdate::Disconnected);
    transport.push(TransportUpdate::Reconnected);
    assert_eq!(next_name(&mut events).await, "disconnected");
    assert_eq!(next_name(&mut events).await, "reconnected");
    transport.push(TransportUpdate::ChatEnded);
    assert_eq!(next_name(&mut events).await, "ended");
    assert!(!chat.verify_session().await.session_active);
}

#[tokio::test(start_paused = true)]
async fn wire_commands_dispatch_like_the_bus() {
    let (chat, _events, transport) = started().await;
    let run = |command: Value| {
        let chat = chat.clone();
        async move { chat.execute(serde_json::from_value(command).unwrap()).await }
    };
    run(json!({ "command": "sendMessage", "options": { "message": "hi" } }))
        .await
        .unwrap();
    let error = run(json!({ "command": "sendMessage", "options": {} }))
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "No message text provided");
    let filters = run(json!({ "command": "addPrefilter", "options": { "filters": [{ "source": "^x", "flags": "" }] } })).await.unwrap();
    assert_eq!(filters, json!([{ "source": "^x", "flags": "" }]));
    assert_eq!(
        run(json!({ "command": "verifySession" })).await.unwrap(),
        json!({ "sessionActive": true })
    );
    assert_eq!(
        run(json!({ "command": "getSessionData" })).await.unwrap()["conversationId"],
        "conv-1"
    );
    assert_eq!(
        run(json!({ "command": "getAgents" })).await.unwrap(),
        json!({ "agents": {} })
    );
    assert_eq!(
        run(json!({ "command": "getStats" })).await.unwrap()["duration"],
        0
    );
    assert_eq!(
        run(json!({ "command": "getTranscript" })).await.unwrap(),
        json!({ "messages": [], "originalMessages": [] })
    );
    let error = run(json!({ "command": "fetchHistory" })).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Fetching chat history on scroll is not enabled."
    );
    let error = run(json!({ "command": "poll" })).await.unwrap_err();
    assert_eq!(error.to_string(), "This transport doesn't support polling.");
    let error = run(json!({ "command": "downloadFile", "options": { "fileId": "1" } }))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "This transport doesn't support file download."
    );
    let error = run(json!({ "command": "restore", "options": {} }))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Chat session is already active, ignoring restore command."
    );
    let error = run(json!({ "command": "configure", "options": {} }))
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "Invalid configuration");
    let error = run(json!({ "command": "teleport" })).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "WebChatService has no command `teleport`; see WebChatCommand::KNOWN for the commands"
    );
    run(json!({ "command": "endChat" })).await.unwrap();
    assert_eq!(
        run(json!({ "command": "verifySession" })).await.unwrap(),
        json!({ "sessionActive": false })
    );
    assert_eq!(transport.calls(), ["start Ann", "message hi", "end"]);
}

#[tokio::test(start_paused = true)]
async fn update_user_data_before_a_session_is_sent_at_start() {
    let transport = Arc::new(Recorder::default());
    let (chat, _events) = ChatService::new(config(), transport);
    let merged = chat
        .update_user_data(
            [("firstname".to_owned(), json!("Joe"))]
                .into_iter()
                .collect(),
        )
        .await
        .unwrap();
    assert_eq!(merged, json!({ "firstname": "Joe" }));
    assert_eq!(chat.get_stats(), None);
    assert_eq!(
        chat.execute(WebChatCommand::GetStats).await.unwrap(),
        json!(false)
    );
}

#[tokio::test(start_paused = true)]
async fn stale_saved_session_publishes_restore_timeout() {
    let transport = Arc::new(Recorder::default());
    let (chat, mut events) = ChatService::new(config(), transport);
    std::iter::from_fn(|| events.try_next()).for_each(drop);
    let saved = json!({
        "sessionData": { "sessionID": "c", "userId": "u", "secureKey": "k", "alias": "1" },
        "filters": [], "lastActivityMs": 0
    });
    // A saved session from 1970 is far older than restoreTimeout.
    let error = chat
        .restore(RestoreOptions {
            session_data: Some(saved.to_string()),
            async_mode: None,
        })
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "No chat session found to restore.");
    assert_eq!(next_name(&mut events).await, "restoreTimeout");
}

/// Restores until released, to observe `verifySession` during a restore.
struct SlowRestore {
    release: tokio::sync::Notify,
}

#[async_trait]
impl ChatTransport for SlowRestore {
    fn capabilities(&self) -> TransportCapabilities {
        Recorder::default().capabilities()
    }

    async fn start(&self, _request: StartRequest) -> Result<StartedSession, TransportError> {
        Err(TransportError::Network {
            operation: "start",
            message: "unused".into(),
        })
    }

    async fn restore(&self, session: SessionData) -> Result<StartedSession, TransportError> {
        self.release.notified().await;
        Ok(StartedSession {
            response: Value::Null,
            session_data: session,
            replay: Vec::new(),
            updates: None,
        })
    }

    async fn send_message(&self, _text: &str) -> Result<Value, TransportError> {
        Ok(Value::Null)
    }

    async fn send_typing(&self, _typing: bool, _preview: &str) -> Result<Value, TransportError> {
        Ok(Value::Null)
    }

    async fn end(&self) -> Result<Value, TransportError> {
        Ok(Value::Null)
    }
}

#[tokio::test(start_paused = true)]
async fn verify_session_waits_for_an_ongoing_restore() {
    let transport = Arc::new(SlowRestore {
        release: tokio::sync::Notify::new(),
    });
    let (chat, _events) = ChatService::with_clock(
        config(),
        transport.clone(),
        Arc::new(agentdesk_webchat::clock::TokioClock::starting_at(1_000)),
    );
    let saved = json!({
        "sessionData": { "sessionID": "c", "userId": "u", "secureKey": "k", "alias": "1" },
        "filters": [], "lastActivityMs": 1_000
    });
    let restoring = {
        let chat = chat.clone();
        tokio::spawn(async move {
            chat.restore(RestoreOptions {
                session_data: Some(saved.to_string()),
                async_mode: None,
            })
            .await
        })
    };
    tokio::task::yield_now().await;
    let verify = {
        let chat = chat.clone();
        tokio::spawn(async move { chat.verify_session().await })
    };
    tokio::task::yield_now().await;
    assert!(
        !verify.is_finished(),
        "verifySession resolves only after the restore"
    );
    transport.release.notify_one();
    restoring.await.unwrap().unwrap();
    assert_eq!(
        verify.await.unwrap(),
        SessionActive {
            session_active: true
        }
    );
}

#[tokio::test(start_paused = true)]
async fn the_code_only_and_browser_only_commands_answer_as_the_widget_does() {
    let transport = Arc::new(Recorder::default());
    let (chat, mut events) = ChatService::new(config(), transport.clone());
    let run = |command: Value| {
        let chat = chat.clone();
        async move { chat.execute(serde_json::from_value(command).unwrap()).await }
    };
    let text =
        |result: Result<Value, agentdesk_webchat::CommandError>| result.unwrap_err().to_string();

    // Before a session: interaction data is kept for the next start; polling needs a session.
    run(json!({ "command": "updateInteractionData", "options": { "routing": { "targetAddress": "Support" } } }))
        .await
        .unwrap();
    assert_eq!(
        text(run(json!({ "command": "pausePoll" })).await),
        "There is no active chat session"
    );
    assert_eq!(text(run(json!({ "command": "asyncRestore" })).await), "");
    chat.start_chat(StartChatOptions {
        nickname: Some("Ann".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let sent = transport.interaction_data.lock().unwrap().clone().unwrap();
    assert_eq!(sent["routing"]["targetAddress"], "Support");

    // During the session.
    assert_eq!(
        text(run(json!({ "command": "updateInteractionData", "options": {} })).await),
        "This transport doesn't support updating interactionData during an active chat session."
    );
    assert_eq!(
        text(run(json!({ "command": "pausePoll" })).await),
        "This transport doesn't support polling."
    );
    assert_eq!(
        text(run(json!({ "command": "sendFile", "options": {} })).await),
        "This transport doesn't support file uploads."
    );
    assert_eq!(
        text(run(json!({ "command": "getFileLimits" })).await),
        "This transport doesn't support getFileLimits command."
    );
    assert_eq!(
        text(
            run(json!({ "command": "registerTypingPreviewInput", "options": { "input": 1 } }))
                .await
        ),
        "Invalid value provided for the 'input' property. An HTML element reference to a textarea or text input is required."
    );
    assert_eq!(
        text(run(json!({ "command": "registerPreProcessor", "options": {} })).await),
        "No preprocessor function provided. Type provided was 'undefined'."
    );
    assert_eq!(
        text(
            run(json!({ "command": "registerPreProcessor", "options": { "preprocessor": "f" } }))
                .await
        ),
        "No preprocessor function provided. Type provided was 'string'."
    );

    // Sleep and wake announce themselves once each.
    while events.try_next().is_some() {}
    run(json!({ "command": "sleep" })).await.unwrap();
    run(json!({ "command": "sleep" })).await.unwrap();
    run(json!({ "command": "wake", "options": { "resetIdleState": true } }))
        .await
        .unwrap();
    let names: Vec<_> = std::iter::from_fn(|| events.try_next())
        .map(|e| e.name().to_owned())
        .collect();
    assert_eq!(names, ["sleeping", "waking"]);
}

#[tokio::test(start_paused = true)]
async fn a_lagging_subscriber_is_told_how_many_events_it_missed() {
    use futures_util::StreamExt;
    let (chat, mut events, _transport) = started().await;
    for _ in 0..300 {
        for command in ["sleep", "wake"] {
            chat.execute(serde_json::from_value(json!({ "command": command })).unwrap())
                .await
                .unwrap();
        }
    }
    // 600 events, 256 kept: the stream says 344 were missed, then goes on.
    assert_eq!(
        StreamExt::next(&mut events).await,
        Some(Err(agentdesk_webchat::Lagged(344)))
    );
    assert_eq!(events.missed(), 344);
    let next = StreamExt::next(&mut events).await.unwrap().unwrap();
    assert_eq!(next.name(), "sleeping");
    drop(chat);
    let rest: Vec<_> = events.collect().await;
    assert_eq!(rest.len(), 255, "the buffered events, then the end");
}
