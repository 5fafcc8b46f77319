#![allow(clippy::unwrap_used, clippy::expect_used)]
//! GMS Chat API v2 transport against a loopback fake back end.

mod support;

use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::webchat::*;
use agentdesk_webchat::config::{ChatConfig, GmsSettings};
use agentdesk_webchat::transport::gms::GmsTransport;
use agentdesk_webchat::transport::{ChatTransport, FilePart, StartRequest, TransportUpdate};
use agentdesk_webchat::{ChatService, CommandError, TransportError};
use serde_json::json;
use support::fake_gms::{Failure, FakeGms};
use support::{drain, wait_for};

fn transport(url: String) -> GmsTransport {
    let settings = GmsSettings {
        data_url: url,
        apikey: Some("k-123".into()),
        endpoint: Some("Support".into()),
    };
    GmsTransport::new(settings, Duration::from_secs(5)).unwrap()
}

fn start_request(nickname: &str) -> StartRequest {
    let options = StartChatOptions {
        nickname: Some(nickname.into()),
        subject: Some("billing".into()),
        ..Default::default()
    };
    let user_data = [
        ("TimeZone".to_owned(), json!(-480)),
        ("plan".to_owned(), json!("gold")),
        ("phone".to_owned(), json!("555-0100")),
    ]
    .into_iter()
    .collect();
    StartRequest {
        options,
        user_data,
        interaction_data: None,
    }
}

fn texts(updates: &[TransportUpdate]) -> Vec<String> {
    updates
        .iter()
        .filter_map(|u| match u {
            TransportUpdate::Messages { messages, .. } => Some(
                messages
                    .iter()
                    .map(|m| format!("{}:{}", m.kind, m.text.clone().unwrap_or_default()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

#[tokio::test]
async fn conversation_over_the_documented_operations() {
    let fake = FakeGms::start().await;
    let gms = transport(fake.data_url());
    let mut started = gms.start(start_request("Ann")).await.unwrap();
    let mut pushed = started.updates.take().unwrap();
    assert_eq!(started.response["chatId"], "0001Xy9ZtQ000ABC");
    assert!(
        matches!(&started.session_data, SessionData::Gms(d) if d.secure_key == "5c1e2d3f4a5b6c7d")
    );
    assert_eq!(texts(&started.replay), ["ParticipantJoined:"]);
    let form = &fake.requests_of("requestChat")[0];
    assert_eq!(form["nickname"], "Ann");
    assert_eq!(form["subject"], "billing");
    assert_eq!(form["endpoint"], "Support");
    assert_eq!(form["userData[TimeZone]"], "-480");
    assert_eq!(form["userData[plan]"], "gold");
    assert_eq!(form["userData[PhoneNumber]"], "555-0100");
    assert!(!form.contains_key("userData[phone]"));

    fake.agent_joins();
    fake.agent_says("Hi, how can I help?");
    let updates = gms.poll().await.unwrap();
    assert_eq!(
        texts(&updates),
        ["ParticipantJoined:", "Message:Hi, how can I help?"]
    );
    assert_eq!(fake.requests_of("refresh")[0]["transcriptPosition"], "2");
    assert!(
        gms.poll().await.unwrap().is_empty(),
        "positions advance; nothing is repeated"
    );

    gms.send_message("I need help").await.unwrap();
    assert_eq!(fake.requests_of("send")[0]["message"], "I need help");
    gms.send_typing(true, "I ne").await.unwrap();
    gms.send_typing(false, "").await.unwrap();
    for operation in ["startTyping", "stopTyping"] {
        assert_eq!(
            fake.requests_of(operation)[0]["transcriptPosition"],
            "5",
            "{operation}"
        );
    }
    gms.send_custom_notice("survey").await.unwrap();
    let data = [("firstname".to_owned(), json!("Joe"))]
        .into_iter()
        .collect();
    gms.update_user_data(&data).await.unwrap();
    assert_eq!(
        fake.requests_of("updateData")[0]["userData[firstname]"],
        "Joe"
    );
    // The send reply carried the transcript from `transcriptPosition` on.
    assert_eq!(
        texts(&[pushed.try_recv().unwrap()]),
        ["Message:I need help"]
    );
    assert!(gms.poll().await.unwrap().is_empty());

    gms.end().await.unwrap();
    assert_eq!(
        fake.operations(),
        [
            "requestChat",
            "refresh",
            "refresh",
            "send",
            "startTyping",
            "stopTyping",
            "customNotice",
            "updateData",
            "refresh",
            "disconnect"
        ]
    );
    let apikeys = fake.state.lock().unwrap().apikeys.clone();
    assert!(
        apikeys.iter().all(|key| key.as_deref() == Some("k-123")),
        "{apikeys:?}"
    );
    for form in fake.requests_of("disconnect") {
        assert_eq!(
            (form["userId"].as_str(), form["alias"].as_str()),
            ("00F10A2B3C4D0001", "117")
        );
    }
    assert!(matches!(
        gms.send_message("late").await,
        Err(TransportError::NoSession { .. })
    ));
}

#[tokio::test]
async fn error_replies_map_to_typed_errors() {
    let fake = FakeGms::start().await;
    let gms = transport(fake.data_url());
    let error = gms.start(start_request("")).await.unwrap_err();
    let TransportError::Server { reply, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(reply["errors"][0]["code"], 161);

    fake.fail_next(Failure::Http(503));
    let error = gms.start(start_request("Ann")).await.unwrap_err();
    assert!(
        matches!(error, TransportError::Http { status: 503, .. }),
        "{error:?}"
    );

    gms.start(start_request("Ann")).await.unwrap();
    fake.fail_next(Failure::Transient);
    assert!(matches!(
        gms.poll().await,
        Err(TransportError::Transient { .. })
    ));
    fake.fail_next(Failure::Http(500));
    let error = gms.send_message("x").await.unwrap_err();
    assert!(
        matches!(&error, TransportError::Http { status: 500, body, .. } if body["statusCode"] == 2),
        "{error:?}"
    );

    // Nobody listening: a network error.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/genesys/2/chat/customer-support",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let error = transport(url)
        .start(start_request("Ann"))
        .await
        .unwrap_err();
    assert!(error.is_network(), "{error:?}");
}

#[tokio::test]
async fn restore_replays_the_transcript_and_refuses_ended_chats() {
    let fake = FakeGms::start().await;
    let first = transport(fake.data_url());
    let started = first.start(start_request("Ann")).await.unwrap();
    fake.agent_says("still there?");

    let second = transport(fake.data_url());
    let restored = second.restore(started.session_data.clone()).await.unwrap();
    assert_eq!(
        texts(&restored.replay),
        ["ParticipantJoined:", "Message:still there?"]
    );
    assert_eq!(
        fake.requests_of("refresh").last().unwrap()["transcriptPosition"],
        "1"
    );

    fake.agent_leaves_and_ends();
    let third = transport(fake.data_url());
    assert!(matches!(
        third.restore(started.session_data).await,
        Err(TransportError::SessionEnded { .. })
    ));
}

fn gms_config(url: String) -> ChatConfig {
    let wire: WebChatConfig = serde_json::from_value(
        json!({ "dataURL": url, "pollRate": 1000, "pollExceptionLimit": 1 }),
    )
    .unwrap();
    ChatConfig::from_wire(&wire).unwrap()
}

#[tokio::test]
async fn chat_service_over_gms_publishes_the_conversation() {
    let fake = FakeGms::start().await;
    let config = gms_config(fake.data_url());
    let transport = Arc::new(GmsTransport::from_config(&config).unwrap());
    let (chat, mut events) = ChatService::new(config, transport);
    assert_eq!(drain(&mut events), ["ready", "capabilitiesChanged"]);

    let reply = chat
        .start_chat(StartChatOptions {
            nickname: Some("Ann".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(reply["statusCode"], 0);
    assert_eq!(
        drain(&mut events),
        [
            "started",
            "clientConnected",
            "messageReceived",
            "pollingStarted"
        ]
    );

    fake.agent_joins();
    fake.agent_types();
    fake.agent_says("Hello Ann");
    wait_for(&mut events, "agentConnected").await;
    let (_, skipped) = wait_for(&mut events, "agentTypingStopped").await;
    assert!(
        skipped.contains(&"agentTypingStarted".to_owned()),
        "{skipped:?}"
    );
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(received) = event else {
        panic!()
    };
    assert_eq!(
        received.messages.last().unwrap().text.as_deref(),
        Some("Hello Ann")
    );
    assert_eq!(chat.get_agents().agents["2"].name, "Dana");

    chat.send_message(MessageOptions::text("Thanks"))
        .await
        .unwrap();
    let rejected = chat
        .send_message(MessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(rejected.to_string(), "No message text provided");
    assert_eq!(
        chat.poll().unwrap_err().to_string(),
        "Access Denied to private command. Only WebChatService is allowed to invoke this command"
    );

    // Two transient replies exceed pollExceptionLimit 1, then the server recovers.
    fake.fail_next_on("refresh", Failure::Transient);
    fake.fail_next_on("refresh", Failure::Transient);
    wait_for(&mut events, "chatServerWentOffline").await;
    wait_for(&mut events, "chatServerBackOnline").await;
    wait_for(&mut events, "reconnected").await;

    fake.fail_next_on("customNotice", Failure::Http(500));
    let error = chat
        .send_custom_notice(MessageOptions::text("x"))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        CommandError::Transport(TransportError::Http { status: 500, .. })
    ));
    wait_for(&mut events, "error").await;

    chat.end_chat().await.unwrap();
    let (_, skipped) = wait_for(&mut events, "ended").await;
    assert!(
        skipped.ends_with(&["clientDisconnected".to_owned()]),
        "{skipped:?}"
    );
    assert_eq!(
        chat.end_chat().await.unwrap_err().to_string(),
        "There is no active chat session"
    );
    let transcript = chat.get_transcript();
    assert!(
        transcript
            .messages
            .iter()
            .any(|m| m.text.as_deref() == Some("Thanks"))
    );
}

#[tokio::test]
async fn server_side_end_reaches_the_service() {
    let fake = FakeGms::start().await;
    let config = gms_config(fake.data_url());
    let transport = Arc::new(GmsTransport::from_config(&config).unwrap());
    let (chat, mut events) = ChatService::new(config, transport);
    chat.start_chat(StartChatOptions {
        nickname: Some("Ann".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    fake.agent_joins();
    fake.agent_leaves_and_ends();
    wait_for(&mut events, "agentDisconnected").await;
    wait_for(&mut events, "ended").await;
    assert!(!chat.verify_session().await.session_active);
}

async fn started_service(fake: &FakeGms) -> (ChatService, agentdesk_webchat::EventStream) {
    let config = gms_config(fake.data_url());
    let transport = Arc::new(GmsTransport::from_config(&config).unwrap());
    let (chat, events) = ChatService::new(config, transport);
    chat.start_chat(StartChatOptions {
        nickname: Some("Ann".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    (chat, events)
}

#[tokio::test]
async fn a_session_the_server_lost_ends_after_one_error() {
    let fake = FakeGms::start().await;
    let (chat, mut events) = started_service(&fake).await;
    fake.lose_session();
    // A poll gets `statusCode` 2 + `chatEnded: true`: one `error`, then `ended`.
    let (_, skipped) = wait_for(&mut events, "ended").await;
    assert_eq!(
        skipped.iter().filter(|name| *name == "error").count(),
        1,
        "{skipped:?}"
    );
    assert!(!chat.verify_session().await.session_active);
}

#[tokio::test]
async fn chat_ended_in_a_send_reply_ends_the_session() {
    let fake = FakeGms::start().await;
    let (chat, mut events) = started_service(&fake).await;
    chat.stop_poll().unwrap();
    fake.end_quietly();
    // statusCode 0 with chatEnded: the send resolves, and the session ends.
    chat.send_message(MessageOptions::text("anyone?"))
        .await
        .unwrap();
    wait_for(&mut events, "ended").await;
    assert!(!chat.verify_session().await.session_active);
    // statusCode 2 with chatEnded on a send: the command fails, then the session ends.
    let (chat, mut events) = started_service(&fake).await;
    chat.stop_poll().unwrap();
    fake.lose_session();
    let error = chat
        .send_message(MessageOptions::text("hello?"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CommandError::Transport(TransportError::Server { reply, .. }) if reply["chatEnded"] == true),
        "{error:?}"
    );
    wait_for(&mut events, "ended").await;
}

#[tokio::test]
async fn a_numeric_alias_is_accepted_echoed_and_restored() {
    let fake = FakeGms::start().await;
    fake.numeric_alias();
    let (chat, mut events) = started_service(&fake).await;
    let Some(SessionData::Gms(data)) = chat.get_session_data() else {
        panic!("no GMS session data")
    };
    assert!(data.alias.is_number());
    assert_eq!(
        serde_json::to_value(&data).unwrap()["alias"],
        json!(117),
        "getSessionData keeps the number"
    );
    fake.agent_says("hello");
    wait_for(&mut events, "messageReceived").await;
    chat.send_message(MessageOptions::text("hi")).await.unwrap();
    assert_eq!(fake.requests_of("send")[0]["alias"], "117");

    let saved = chat.saved_session().unwrap();
    let config = gms_config(fake.data_url());
    let transport = Arc::new(GmsTransport::from_config(&config).unwrap());
    let (other, mut other_events) = ChatService::new(config, transport);
    other
        .restore(RestoreOptions {
            session_data: Some(saved.to_json()),
            async_mode: None,
        })
        .await
        .unwrap();
    wait_for(&mut other_events, "restored").await;
}

#[tokio::test]
async fn typing_and_sends_carry_the_transcript_position_and_deliver_its_transcript() {
    let fake = FakeGms::start().await;
    let (chat, mut events) = started_service(&fake).await;
    chat.stop_poll().unwrap();
    drain(&mut events);
    fake.agent_joins();
    fake.agent_says("typing reply brings this");
    chat.send_typing(MessageOptions::text("I ne"))
        .await
        .unwrap();
    assert_eq!(
        fake.requests_of("startTyping")[0]["transcriptPosition"],
        "2"
    );
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(received) = event else {
        panic!()
    };
    assert_eq!(
        received.messages.last().unwrap().text.as_deref(),
        Some("typing reply brings this")
    );
    let options: MessageOptions = serde_json::from_value(
        json!({ "message": "see above", "type": "text", "parentMessageID": "7" }),
    )
    .unwrap();
    chat.send_message(options).await.unwrap();
    let send = &fake.requests_of("send")[0];
    assert_eq!(send["transcriptPosition"], "4");
    assert_eq!(send["messageType"], "text");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&send["eventAttributes"]).unwrap(),
        json!({ "general-properties": { "related-event-id": "7" } })
    );
    // The visitor's own message comes back in the send reply, once.
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(received) = event else {
        panic!()
    };
    assert_eq!(received.messages[0].text.as_deref(), Some("see above"));
    assert_eq!(chat.get_transcript().messages.len(), 4);
}

#[tokio::test]
async fn request_chat_sends_a_first_message() {
    let fake = FakeGms::start().await;
    let gms = transport(fake.data_url());
    let mut request = start_request("Ann");
    request
        .options
        .extra
        .insert("text".into(), json!("My invoice is wrong"));
    gms.start(request).await.unwrap();
    assert_eq!(
        fake.requests_of("requestChat")[0]["text"],
        "My invoice is wrong"
    );
}

#[tokio::test]
async fn files_upload_download_and_report_limits_on_gms() {
    let fake = FakeGms::start().await;
    let (chat, mut events) = started_service(&fake).await;
    drain(&mut events);
    let limits = chat.get_file_limits().await.unwrap();
    assert_eq!(
        limits["messages"][0]["userData"]["upload-max-file-size"],
        "10485760"
    );
    let file = FilePart {
        name: "receipt.txt".into(),
        content_type: "text/plain".into(),
        bytes: b"total: 42".to_vec(),
    };
    let reply = chat.send_file(file).await.unwrap();
    let id = reply["userData"]["file-id"].as_str().unwrap().to_owned();
    let upload = &fake.requests_of("file")[0];
    assert_eq!(
        (upload["userId"].as_str(), upload["alias"].as_str()),
        ("00F10A2B3C4D0001", "117")
    );
    let (event, _) = wait_for(&mut events, "messageReceived").await;
    let WebChatEvent::MessageReceived(received) = event else {
        panic!()
    };
    assert_eq!(received.messages[0].kind.as_str(), "FileUploaded");
    assert_eq!(chat.download_file(&id).await.unwrap(), b"total: 42");
    let missing = chat.download_file("nope").await.unwrap_err();
    assert!(
        matches!(&missing, CommandError::Transport(TransportError::Server { reply, .. }) if reply["errors"][0]["code"] == 203),
        "{missing:?}"
    );
    // Over the bus a file cannot travel: the widget's text once the checks pass.
    let over_bus = chat
        .execute(serde_json::from_value(json!({ "command": "sendFile", "options": {} })).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        over_bus.to_string(),
        "No HTMl5 formData support on your browser"
    );
}

#[tokio::test]
async fn a_restore_reply_without_chat_ended_is_a_restore_timeout() {
    let fake = FakeGms::start().await;
    let (chat, _events) = started_service(&fake).await;
    let saved = chat.saved_session().unwrap();
    fake.state.lock().unwrap().omit_chat_ended = true;
    let config = gms_config(fake.data_url());
    let transport = Arc::new(GmsTransport::from_config(&config).unwrap());
    let (other, mut events) = ChatService::new(config, transport);
    drain(&mut events);
    let error = other
        .restore(RestoreOptions {
            session_data: Some(saved.to_json()),
            async_mode: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            CommandError::Transport(TransportError::SessionEnded { .. })
        ),
        "{error:?}"
    );
    assert_eq!(drain(&mut events), ["restoreTimeout"]);
}

#[tokio::test]
async fn started_carries_the_session_keys_as_the_widget_publishes_them() {
    let fake = FakeGms::start().await;
    let (_chat, mut events) = started_service(&fake).await;
    let (event, _) = wait_for(&mut events, "started").await;
    let WebChatEvent::Started(data) = event else {
        panic!()
    };
    assert_eq!(
        data,
        json!({ "sessionID": "0001Xy9ZtQ000ABC", "userId": "00F10A2B3C4D0001",
                "secureKey": "5c1e2d3f4a5b6c7d", "alias": "117" })
    );
}

#[tokio::test]
async fn command_results_are_typed() {
    let fake = FakeGms::start().await;
    let config = gms_config(fake.data_url());
    let transport = Arc::new(GmsTransport::from_config(&config).unwrap());
    let (chat, _events) = ChatService::new(config, transport);
    let reply = chat
        .start_chat(StartChatOptions {
            nickname: Some("Ann".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let gms = reply.gms().unwrap();
    assert_eq!(gms.status_code, gms::StatusCode::SUCCESS);
    assert_eq!(
        gms.session_keys().unwrap().chat_id.as_str(),
        "0001Xy9ZtQ000ABC"
    );
    assert!(reply.guest_conversation().is_none());
    assert_eq!(
        reply["chatId"], "0001Xy9ZtQ000ABC",
        "still readable as JSON"
    );
    let sent = chat.send_message(MessageOptions::text("hi")).await.unwrap();
    assert_eq!(sent.gms().unwrap().chat_ended, Some(false));
}
