#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The sans-IO state machine: every rejection text and every event it publishes, on a
//! virtual clock.

use agentdesk_protocol::webchat::*;
use agentdesk_webchat::config::ChatConfig;
use agentdesk_webchat::error::TransportError;
use agentdesk_webchat::session::{Caller, ChatSession, SessionState, TimerAction, UserDataUpdate};
use agentdesk_webchat::transport::{HistoryPage, TransportCapabilities, TransportUpdate};
use serde_json::{Value, json};

const T0: u64 = 1_700_000_000_000;

fn gms_caps() -> TransportCapabilities {
    TransportCapabilities {
        polling: true,
        custom_notice: true,
        update_user_data: true,
        file_upload: false,
        file_download: false,
        async_chat: false,
        history: Err(RejectionText::HistoryRequiresAsync),
    }
}

fn guest_caps(pagination: bool) -> TransportCapabilities {
    TransportCapabilities::messages_only(if pagination {
        Ok(())
    } else {
        Err(RejectionText::HistoryPaginationDisabled)
    })
}

fn config() -> ChatConfig {
    let mut config = ChatConfig::gms("https://gms.example.net/genesys/2/chat/support").unwrap();
    config.max_message_length = Some(10);
    config
}

fn keys() -> SessionData {
    SessionData::Gms(GmsSessionData {
        session_id: "c-1".into(),
        user_id: "u-1".into(),
        secure_key: "k".into(),
        alias: "117".into(),
    })
}

fn idle(caps: TransportCapabilities) -> ChatSession {
    let mut chat = ChatSession::new(config(), caps);
    chat.take_events();
    chat
}

fn active(caps: TransportCapabilities) -> ChatSession {
    let mut chat = idle(caps);
    chat.start_chat(StartChatOptions::default()).unwrap();
    chat.start_finished(Ok((json!({ "statusCode": 0 }), keys(), vec![])), T0);
    chat.take_events();
    chat
}

fn message(
    kind: MessageType,
    party: PartyType,
    id: i64,
    name: &str,
    text: Option<&str>,
) -> Message {
    let mut message = Message::new(
        kind,
        text.map(str::to_owned),
        Some(Party::new(party, Some(json!(id)), Some(name.into()))),
    );
    message.timestamp = Some(T0 as i64);
    message
}

fn batch(messages: Vec<Message>) -> TransportUpdate {
    let originals = messages
        .iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .collect();
    TransportUpdate::Messages {
        messages,
        originals,
    }
}

fn names(events: &[WebChatEvent]) -> Vec<&str> {
    events.iter().map(WebChatEvent::name).collect()
}

fn transient() -> TransportError {
    TransportError::Transient {
        operation: "refresh",
        reply: json!({ "statusCode": 1 }),
    }
}

fn network() -> TransportError {
    TransportError::Network {
        operation: "refresh",
        message: "connection refused".into(),
    }
}

#[test]
fn new_service_is_ready_and_announces_capabilities() {
    let mut chat = ChatSession::new(config(), guest_caps(true));
    assert_eq!(
        chat.take_events(),
        vec![
            WebChatEvent::Ready,
            WebChatEvent::CapabilitiesChanged(Capabilities {
                async_chat: false,
                pagination: true,
                file_upload: false
            }),
        ]
    );
    assert_eq!(chat.state(), SessionState::Idle);
}

#[test]
fn start_chat_lifecycle_and_rejections() {
    let mut chat = idle(gms_caps());
    let options = StartChatOptions {
        user_data: Some(json!(["not", "an", "object"])),
        ..Default::default()
    };
    assert_eq!(
        chat.start_chat(options).unwrap_err().as_str(),
        "malformed data object provided in userData property"
    );

    let options = StartChatOptions {
        user_data: Some(json!({ "plan": "gold" })),
        ..Default::default()
    };
    let request = chat.start_chat(options).unwrap();
    assert_eq!(request.user_data.get("plan"), Some(&json!("gold")));
    assert_eq!(chat.state(), SessionState::Starting);
    assert_eq!(
        chat.start_chat(StartChatOptions::default())
            .unwrap_err()
            .as_str(),
        "There is already an active chat session"
    );

    // Failure returns to idle with an error event.
    chat.start_finished(
        Err(&TransportError::Http {
            operation: "request chat",
            status: 503,
            body: json!("busy"),
        }),
        T0,
    );
    assert_eq!(chat.state(), SessionState::Idle);
    let events = chat.take_events();
    assert_eq!(names(&events), ["error"]);
    let WebChatEvent::Error(data) = &events[0] else {
        panic!()
    };
    assert_eq!(data["status"], 503);

    chat.start_chat(StartChatOptions::default()).unwrap();
    let joined = message(
        MessageType::ParticipantJoined,
        PartyType::Client,
        1,
        "Ann",
        None,
    );
    chat.start_finished(
        Ok((
            json!({ "statusCode": 0 }),
            keys(),
            vec![batch(vec![joined])],
        )),
        T0,
    );
    assert_eq!(chat.state(), SessionState::Active);
    assert_eq!(
        names(&chat.take_events()),
        [
            "started",
            "clientConnected",
            "messageReceived",
            "pollingStarted"
        ]
    );
    assert_eq!(
        chat.start_chat(StartChatOptions::default())
            .unwrap_err()
            .as_str(),
        "There is already an active chat session"
    );
    assert_eq!(
        chat.verify_session(),
        SessionActive {
            session_active: true
        }
    );
    assert_eq!(chat.session_data(), Some(keys()));
}

#[test]
fn end_chat_by_visitor_and_by_server() {
    let mut chat = idle(gms_caps());
    assert_eq!(
        chat.end_chat().unwrap_err().as_str(),
        "There is no active chat session"
    );

    let mut chat = active(gms_caps());
    chat.apply_update(
        batch(vec![message(
            MessageType::ParticipantJoined,
            PartyType::Agent,
            2,
            "Dana",
            None,
        )]),
        T0 + 1,
    );
    chat.take_events();
    chat.end_chat().unwrap();
    assert_eq!(chat.state(), SessionState::Ending);
    chat.end_finished(Ok(()), T0 + 10_000);
    let events = chat.take_events();
    assert_eq!(names(&events), ["clientDisconnected", "ended"]);
    assert_eq!(chat.state(), SessionState::Ended);
    assert!(!chat.agents().agents["2"].connected);
    assert_eq!(
        chat.end_chat().unwrap_err().as_str(),
        "There is no active chat session"
    );
    let stats = chat.stats(T0 + 99_999).unwrap();
    assert_eq!(
        (stats.start_time, stats.end_time, stats.duration),
        (T0 as i64, Some(T0 as i64 + 10_000), 10_000)
    );
    // The transcript of the ended session stays readable.
    assert_eq!(chat.transcript().messages.len(), 1);

    let mut chat = active(gms_caps());
    chat.end_chat().unwrap();
    chat.end_finished(Err(&network()), T0 + 1);
    assert_eq!(
        names(&chat.take_events()),
        ["error", "clientDisconnected", "ended"]
    );

    let mut chat = active(gms_caps());
    chat.apply_update(TransportUpdate::ChatEnded, T0 + 5);
    assert_eq!(names(&chat.take_events()), ["ended"]);
    assert_eq!(
        chat.verify_session(),
        SessionActive {
            session_active: false
        }
    );
}

#[test]
fn send_message_rejections() {
    let mut chat = idle(gms_caps());
    assert_eq!(
        chat.send_message(&MessageOptions::default())
            .unwrap_err()
            .as_str(),
        "No message text provided"
    );
    assert_eq!(
        chat.send_message(&MessageOptions::text(""))
            .unwrap_err()
            .as_str(),
        "No message text provided"
    );
    assert_eq!(
        chat.send_message(&MessageOptions::text("0123456789x"))
            .unwrap_err()
            .as_str(),
        "Message length exceeds configured threshold of (10) characters"
    );
    assert_eq!(
        chat.send_message(&MessageOptions::text("hi"))
            .unwrap_err()
            .as_str(),
        "There is no active chat session"
    );
    let mut chat = active(gms_caps());
    assert_eq!(
        chat.send_message(&MessageOptions::text("héllo wörl"))
            .unwrap(),
        "héllo wörl"
    );
}

#[test]
fn custom_notice_and_user_data_depend_on_the_transport() {
    let mut chat = idle(gms_caps());
    assert_eq!(
        chat.send_custom_notice(&MessageOptions::text("bye"))
            .unwrap_err()
            .as_str(),
        "There is no active chat session"
    );
    let mut chat = active(guest_caps(true));
    assert_eq!(
        chat.send_custom_notice(&MessageOptions::text("bye"))
            .unwrap_err()
            .as_str(),
        "This transport doesn't support sendCustomNotice command."
    );
    let mut data = UserData::new();
    data.insert("firstname".into(), json!("Joe"));
    assert_eq!(
        chat.update_user_data(data.clone()).unwrap_err().as_str(),
        "This transport doesn't support updating userData during an active chat session."
    );

    // Before a session: merged into the data sent at start.
    let mut chat = idle(guest_caps(true));
    let UserDataUpdate::Stored(merged) = chat.update_user_data(data.clone()).unwrap() else {
        panic!()
    };
    assert_eq!(merged.get("firstname"), Some(&json!("Joe")));
    assert_eq!(
        chat.start_chat(StartChatOptions::default())
            .unwrap()
            .user_data
            .get("firstname"),
        Some(&json!("Joe"))
    );

    let mut chat = active(gms_caps());
    assert_eq!(
        chat.update_user_data(data.clone()).unwrap(),
        UserDataUpdate::Send(data)
    );
    assert_eq!(
        chat.send_custom_notice(&MessageOptions::text("bye"))
            .unwrap(),
        "bye"
    );
}

#[test]
fn typing_timer_runs_on_the_virtual_clock() {
    let mut chat = idle(gms_caps());
    assert_eq!(
        chat.send_typing(&MessageOptions::default(), T0)
            .unwrap_err()
            .as_str(),
        "There is no active chat session"
    );
    let mut chat = active(gms_caps());
    chat.stop_poll().unwrap();
    chat.take_events();
    assert_eq!(
        chat.send_typing(&MessageOptions::text("I ne"), T0).unwrap(),
        Some("I ne".into())
    );
    assert_eq!(names(&chat.take_events()), ["clientTypingStarted"]);
    // A second call within the window only restarts the timer.
    assert_eq!(
        chat.send_typing(&MessageOptions::text("I need"), T0 + 1_500)
            .unwrap(),
        None
    );
    assert!(chat.take_events().is_empty());
    assert_eq!(chat.next_deadline(), Some(T0 + 3_500));
    assert!(chat.handle_timeout(T0 + 3_499).is_empty());
    assert_eq!(
        chat.handle_timeout(T0 + 3_500),
        vec![TimerAction::StopTyping]
    );
    assert_eq!(names(&chat.take_events()), ["clientTypingStopped"]);
    assert_eq!(chat.next_deadline(), None);
}

#[test]
fn agent_typing_events_and_timeout() {
    let mut chat = active(guest_caps(true));
    let typing = message(
        MessageType::TypingStarted,
        PartyType::Agent,
        2,
        "Dana",
        None,
    );
    chat.apply_update(batch(vec![typing]), T0);
    assert_eq!(
        names(&chat.take_events()),
        ["agentTypingStarted", "messageReceived"]
    );
    chat.handle_timeout(T0 + 2_999);
    assert!(chat.take_events().is_empty());
    chat.handle_timeout(T0 + 3_000);
    assert_eq!(names(&chat.take_events()), ["agentTypingTimeout"]);

    chat.apply_update(
        batch(vec![message(
            MessageType::TypingStarted,
            PartyType::Agent,
            2,
            "Dana",
            None,
        )]),
        T0 + 4_000,
    );
    chat.apply_update(
        batch(vec![message(
            MessageType::Message,
            PartyType::Agent,
            2,
            "Dana",
            Some("Hi"),
        )]),
        T0 + 4_100,
    );
    assert_eq!(
        names(&chat.take_events()),
        [
            "agentTypingStarted",
            "messageReceived",
            "agentTypingStopped",
            "messageReceived"
        ]
    );
    chat.apply_update(
        batch(vec![message(
            MessageType::TypingStarted,
            PartyType::Agent,
            2,
            "Dana",
            None,
        )]),
        T0 + 5_000,
    );
    chat.apply_update(
        batch(vec![message(
            MessageType::TypingStopped,
            PartyType::Agent,
            2,
            "Dana",
            None,
        )]),
        T0 + 5_100,
    );
    assert_eq!(
        names(&chat.take_events()),
        [
            "agentTypingStarted",
            "messageReceived",
            "agentTypingStopped",
            "messageReceived"
        ]
    );
    assert_eq!(chat.next_deadline(), None);
}

#[test]
fn participants_drive_connected_and_disconnected_events() {
    let mut chat = active(guest_caps(true));
    let parties = [
        (PartyType::Agent, 2, "agentConnected", "agentDisconnected"),
        (
            PartyType::Supervisor,
            3,
            "supervisorConnected",
            "supervisorDisconnected",
        ),
        (PartyType::Bot, 4, "botConnected", "botDisconnected"),
        (
            PartyType::Client,
            1,
            "clientConnected",
            "clientDisconnected",
        ),
    ];
    for (party, id, joined, left) in parties {
        chat.apply_update(
            batch(vec![message(
                MessageType::ParticipantJoined,
                party.clone(),
                id,
                "P",
                None,
            )]),
            T0,
        );
        assert_eq!(names(&chat.take_events()), [joined, "messageReceived"]);
        chat.apply_update(
            batch(vec![message(
                MessageType::ParticipantLeft,
                party,
                id,
                "P",
                None,
            )]),
            T0 + 60_000,
        );
        assert_eq!(names(&chat.take_events()), [left, "messageReceived"]);
    }
    chat.apply_update(
        batch(vec![message(
            MessageType::ParticipantJoined,
            PartyType::Agent,
            2,
            "Dana",
            None,
        )]),
        T0 + 70_000,
    );
    let events = chat.take_events();
    let WebChatEvent::AgentConnected(change) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(change.num_agents_connected, 1);
    assert_eq!(
        change.agents["3"],
        AgentInfo {
            name: "P".into(),
            connected: false,
            supervisor: true,
            connected_time: Some(T0 as i64),
            disconnected_time: Some(T0 as i64),
        }
    );
    insta::assert_json_snapshot!("agents_after_joins_and_leaves", chat.agents());
}

#[test]
fn prefilters_hide_messages_and_keep_side_effects() {
    let mut chat = idle(gms_caps());
    let missing = AddPrefilterOptions { filters: None };
    let invalid_text = "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions";
    assert_eq!(
        chat.add_prefilter(&missing).unwrap_err().as_str(),
        invalid_text
    );
    let broken = AddPrefilterOptions {
        filters: Some(Prefilters::One(PrefilterPattern::new("(unclosed"))),
    };
    assert_eq!(
        chat.add_prefilter(&broken).unwrap_err().as_str(),
        invalid_text
    );
    let bad_flag = AddPrefilterOptions {
        filters: Some(Prefilters::One(PrefilterPattern {
            source: "a".into(),
            flags: "q".into(),
        })),
    };
    assert_eq!(
        chat.add_prefilter(&bad_flag).unwrap_err().as_str(),
        invalid_text
    );
    let empty = AddPrefilterOptions {
        filters: Some(Prefilters::Many(vec![])),
    };
    assert_eq!(
        chat.add_prefilter(&empty).unwrap_err().as_str(),
        invalid_text
    );
    let flagged = PrefilterPattern {
        source: "^#secret".into(),
        flags: "i".into(),
    };
    let list = chat
        .add_prefilter(&AddPrefilterOptions {
            filters: Some(Prefilters::Many(vec![flagged.clone()])),
        })
        .unwrap();
    assert_eq!(list, vec![flagged.clone()]);

    let filtered = FilteredMessageOptions {
        message: Some("token:42".into()),
        regex: Some(PrefilterPattern::new("^token:")),
    };
    assert_eq!(
        chat.send_filtered_message(&filtered).unwrap_err().as_str(),
        "No active chat session."
    );

    let mut chat = active(gms_caps());
    chat.add_prefilter(&AddPrefilterOptions {
        filters: Some(Prefilters::One(flagged)),
    })
    .unwrap();
    assert_eq!(
        chat.send_filtered_message(&FilteredMessageOptions {
            message: Some("x".into()),
            regex: None
        })
        .unwrap_err()
        .as_str(),
        invalid_text
    );
    assert_eq!(chat.send_filtered_message(&filtered).unwrap(), "token:42");
    chat.register_pre_processor(Box::new(|mut m: Message| {
        m.text = m.text.map(|t| format!("{t} (processed)"));
        m
    }));
    chat.apply_update(
        batch(vec![
            message(
                MessageType::Message,
                PartyType::Agent,
                2,
                "Dana",
                Some("#SECRET code"),
            ),
            message(
                MessageType::Message,
                PartyType::Client,
                1,
                "Ann",
                Some("token:42"),
            ),
            message(
                MessageType::Message,
                PartyType::Agent,
                2,
                "Dana",
                Some("cobrowse {start:123456789}"),
            ),
            message(
                MessageType::Message,
                PartyType::Agent,
                2,
                "Dana",
                Some("visible"),
            ),
        ]),
        T0 + 1,
    );
    let events = chat.take_events();
    let WebChatEvent::MessageReceived(received) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(received.messages.len(), 1);
    assert_eq!(
        received.messages[0].text.as_deref(),
        Some("visible (processed)")
    );
    assert_eq!(received.original_messages.len(), 4);
    assert_eq!(chat.transcript().messages.len(), 1);

    // A batch where everything is filtered publishes nothing.
    chat.apply_update(
        batch(vec![message(
            MessageType::Message,
            PartyType::Agent,
            2,
            "Dana",
            Some("#secret"),
        )]),
        T0 + 2,
    );
    assert!(chat.take_events().is_empty());
}

#[test]
fn polling_commands_exceptions_and_reconnection() {
    let mut chat = idle(guest_caps(true));
    for (result, text) in [
        (
            chat.poll(Caller::Service),
            "This transport doesn't support polling.",
        ),
        (
            chat.start_poll(T0),
            "This transport doesn't support polling.",
        ),
        (chat.stop_poll(), "This transport doesn't support polling."),
        (
            chat.reset_poll_exceptions(),
            "This transport doesn't support resetPollExceptions command.",
        ),
    ] {
        assert_eq!(result.unwrap_err().as_str(), text);
    }

    let mut chat = idle(gms_caps());
    assert_eq!(
        chat.poll(Caller::External).unwrap_err().as_str(),
        "Access Denied to private command. Only WebChatService is allowed to invoke this command"
    );
    assert_eq!(
        chat.poll(Caller::Service).unwrap_err().as_str(),
        "There is no active chat session"
    );
    assert_eq!(
        chat.start_poll(T0).unwrap_err().as_str(),
        "No active chat session."
    );
    assert_eq!(
        chat.stop_poll().unwrap_err().as_str(),
        "No active chat session."
    );
    chat.reset_poll_exceptions().unwrap();

    let mut chat = active(gms_caps());
    assert!(chat.is_polling());
    assert_eq!(chat.next_deadline(), Some(T0 + 3_000));
    assert!(chat.handle_timeout(T0 + 2_999).is_empty());
    assert_eq!(chat.handle_timeout(T0 + 3_000), vec![TimerAction::Poll]);
    assert_eq!(
        chat.poll(Caller::Service).unwrap_err().as_str(),
        "previous poll has not finished"
    );
    chat.poll_finished(Ok(vec![]), T0 + 3_100);
    assert_eq!(chat.next_deadline(), Some(T0 + 6_100));

    // More than pollExceptionLimit (5) transient failures: offline once.
    for i in 0..6 {
        chat.poll(Caller::Service).unwrap();
        chat.poll_finished(Err(transient()), T0 + 4_000 + i);
    }
    assert_eq!(chat.poll_exceptions(), 6);
    assert_eq!(names(&chat.take_events()), ["chatServerWentOffline"]);
    chat.poll(Caller::Service).unwrap();
    chat.poll_finished(Ok(vec![]), T0 + 5_000);
    assert_eq!(
        names(&chat.take_events()),
        ["chatServerBackOnline", "reconnected"]
    );

    for _ in 0..3 {
        chat.poll(Caller::Service).unwrap();
        chat.poll_finished(Err(transient()), T0 + 6_000);
    }
    chat.reset_poll_exceptions().unwrap();
    assert_eq!(chat.poll_exceptions(), 0);

    // Network loss: disconnected once, reconnected on the next success.
    for _ in 0..2 {
        chat.poll(Caller::Service).unwrap();
        chat.poll_finished(Err(network()), T0 + 7_000);
    }
    chat.poll(Caller::Service).unwrap();
    chat.poll_finished(Ok(vec![]), T0 + 8_000);
    assert_eq!(names(&chat.take_events()), ["disconnected", "reconnected"]);

    // HTTP errors are published as error events.
    chat.poll(Caller::Service).unwrap();
    chat.poll_finished(
        Err(TransportError::Http {
            operation: "refresh",
            status: 500,
            body: Value::Null,
        }),
        T0 + 9_000,
    );
    assert_eq!(names(&chat.take_events()), ["error"]);

    chat.stop_poll().unwrap();
    assert_eq!(names(&chat.take_events()), ["pollingStopped"]);
    assert_eq!(
        chat.stop_poll().unwrap_err().as_str(),
        "Not currently polling. Ignoring command."
    );
    assert_eq!(chat.next_deadline(), None);
    chat.start_poll(T0 + 10_000).unwrap();
    assert_eq!(names(&chat.take_events()), ["pollingStarted"]);
}

#[test]
fn restore_rejections_timeout_and_recalled_filters() {
    let mut chat = active(gms_caps());
    let filter = PrefilterPattern::new("^#hidden");
    chat.add_prefilter(&AddPrefilterOptions {
        filters: Some(Prefilters::One(filter.clone())),
    })
    .unwrap();
    let saved = chat.saved_session().unwrap();
    assert_eq!(saved.filters, vec![filter.clone()]);
    let options = RestoreOptions {
        session_data: Some(saved.to_json()),
        async_mode: None,
    };
    assert_eq!(
        chat.restore(&options, Caller::External, T0)
            .unwrap_err()
            .as_str(),
        "Chat session is already active, ignoring restore command."
    );

    let mut fresh = idle(gms_caps());
    assert_eq!(fresh.saved_session(), None);
    assert_eq!(
        fresh
            .restore(&RestoreOptions::default(), Caller::External, T0)
            .unwrap_err()
            .as_str(),
        "Access Denied to private command. Only WebChatService is allowed to invoke this command in Non-Async mode."
    );
    assert_eq!(
        fresh
            .restore(&RestoreOptions::default(), Caller::Service, T0)
            .unwrap_err()
            .as_str(),
        "No chat session found to restore."
    );
    let garbage = RestoreOptions {
        session_data: Some("not json".into()),
        async_mode: None,
    };
    assert_eq!(
        fresh
            .restore(&garbage, Caller::External, T0)
            .unwrap_err()
            .as_str(),
        "No chat session found to restore."
    );

    // Away longer than restoreTimeout (60 s).
    assert_eq!(
        fresh
            .restore(&options, Caller::External, T0 + 60_001)
            .unwrap_err()
            .as_str(),
        "No chat session found to restore."
    );
    assert_eq!(names(&fresh.take_events()), ["restoreTimeout"]);

    assert_eq!(
        fresh
            .restore(&options, Caller::External, T0 + 60_000)
            .unwrap(),
        keys()
    );
    assert_eq!(fresh.state(), SessionState::Restoring);
    assert_eq!(
        fresh
            .restore(&options, Caller::External, T0)
            .unwrap_err()
            .as_str(),
        "Already restoring. Ignoring request."
    );
    assert_eq!(
        fresh
            .start_chat(StartChatOptions::default())
            .unwrap_err()
            .as_str(),
        "There is already an active chat session"
    );
    let history = vec![batch(vec![
        message(
            MessageType::Message,
            PartyType::Agent,
            2,
            "Dana",
            Some("#hidden code"),
        ),
        message(
            MessageType::Message,
            PartyType::Agent,
            2,
            "Dana",
            Some("welcome back"),
        ),
    ])];
    fresh.restore_finished(Ok((keys(), history)), T0 + 60_000);
    let events = fresh.take_events();
    assert_eq!(
        names(&events),
        ["restored", "messageReceived", "pollingStarted"]
    );
    let WebChatEvent::MessageReceived(received) = &events[1] else {
        panic!()
    };
    assert!(received.restoring);
    assert_eq!(
        received.messages.len(),
        1,
        "the recalled filter hides the code"
    );
    assert_eq!(fresh.saved_session().unwrap().filters, vec![filter]);

    let mut failing = idle(gms_caps());
    failing.restore(&options, Caller::External, T0).unwrap();
    failing.restore_finished(Err(&network()), T0);
    assert_eq!(names(&failing.take_events()), ["restoreFailed"]);
    assert_eq!(failing.state(), SessionState::Idle);
}

#[test]
fn history_pages() {
    let chat = active(gms_caps());
    assert_eq!(
        chat.fetch_history().unwrap_err().as_str(),
        "Fetching history messages applies only to Asynchronous chat."
    );
    let chat = active(guest_caps(false));
    assert_eq!(
        chat.fetch_history().unwrap_err().as_str(),
        "Fetching chat history on scroll is not enabled."
    );
    let chat = idle(guest_caps(true));
    assert_eq!(
        chat.fetch_history().unwrap_err().as_str(),
        "There is no active chat session"
    );

    let mut chat = active(guest_caps(true));
    chat.apply_update(
        batch(vec![message(
            MessageType::Message,
            PartyType::Agent,
            2,
            "Dana",
            Some("newest"),
        )]),
        T0,
    );
    chat.take_events();
    chat.fetch_history().unwrap();
    let old = message(
        MessageType::Message,
        PartyType::Agent,
        2,
        "Dana",
        Some("older"),
    );
    chat.history_fetched(
        HistoryPage {
            messages: vec![old.clone()],
            originals: vec![json!({})],
            has_more: true,
        },
        T0 + 1,
    );
    let events = chat.take_events();
    let WebChatEvent::MessageReceived(received) = &events[0] else {
        panic!()
    };
    assert!(received.old_messages);
    chat.fetch_history().unwrap();
    chat.history_fetched(
        HistoryPage {
            messages: vec![],
            originals: vec![],
            has_more: false,
        },
        T0 + 2,
    );
    assert_eq!(
        chat.fetch_history().unwrap_err().as_str(),
        "No more messages to fetch"
    );
    let texts: Vec<_> = chat
        .transcript()
        .messages
        .iter()
        .map(|m| m.text.clone().unwrap())
        .collect();
    assert_eq!(texts, ["older", "newest"]);
}

#[test]
fn files_are_unsupported() {
    let chat = active(gms_caps());
    assert_eq!(
        chat.send_file().unwrap_err().as_str(),
        "This transport doesn't support file uploads."
    );
    assert_eq!(
        chat.download_file().unwrap_err().as_str(),
        "This transport doesn't support file download."
    );
}

#[test]
fn pushed_connection_updates_and_errors() {
    let mut chat = active(guest_caps(true));
    chat.apply_update(TransportUpdate::Reconnected, T0);
    assert!(
        chat.take_events().is_empty(),
        "reconnected only follows disconnected"
    );
    chat.apply_update(TransportUpdate::Disconnected, T0);
    chat.apply_update(TransportUpdate::Disconnected, T0);
    chat.apply_update(TransportUpdate::Reconnected, T0);
    chat.apply_update(
        TransportUpdate::Error(json!({ "message": "bad frame" })),
        T0,
    );
    assert_eq!(
        names(&chat.take_events()),
        ["disconnected", "reconnected", "error"]
    );
    // Updates for a session that is over are ignored.
    chat.apply_update(TransportUpdate::ChatEnded, T0);
    chat.take_events();
    chat.apply_update(TransportUpdate::Disconnected, T0);
    assert!(chat.take_events().is_empty());
}

#[test]
fn stats_before_any_session_are_absent() {
    let chat = idle(gms_caps());
    assert_eq!(chat.stats(T0), None);
    assert_eq!(chat.transcript(), Transcript::default());
    assert_eq!(chat.session_data(), None);
}
