//! The emulator over loopback: control API, native endpoint, relay trust rule, scenarios.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::next_json;

use std::time::Duration;

use agentdesk_server::emulator::scenario::Scenario;
use agentdesk_server::emulator::{Emulator, EmulatorConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const OPTIONS: &str =
    "service-client-api.accepted-web-content-origins=$DEMO_APP$, http://native.example";

async fn start() -> agentdesk_server::emulator::RunningEmulator {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.options = Some(OPTIONS.to_owned());
    Emulator::start(config).await.unwrap()
}

async fn post(url: String, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn control_actions_drive_the_desktop_and_explain_refusals() {
    let emulator = start().await;
    let host = &emulator.host_url;
    let (status, created) = post(
        format!("{host}api/calls"),
        json!({ "ani": "+15551234567", "userData": { "Segment": "Gold" } }),
    )
    .await;
    assert_eq!((status, created["ok"].clone()), (200, json!(true)));
    let id = created["interactionId"].as_str().unwrap().to_owned();
    assert_eq!(
        post(format!("{host}api/interactions/{id}/answer"), json!({}))
            .await
            .0,
        200
    );
    let state: Value = reqwest::get(format!("{host}api/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call = state["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["interactionId"] == id.as_str())
        .unwrap();
    assert_eq!(call["state"], "TALKING");
    assert_eq!(call["userData"]["Segment"], "Gold");
    // A step that does not fit the state says what to do instead.
    let (status, refused) = post(format!("{host}api/interactions/{id}/accept"), json!({})).await;
    assert_eq!(status, 409);
    assert!(!refused["error"].as_str().unwrap().is_empty());
    // Malformed actions are 400 with the reason.
    let (status, bad) = post(
        format!("{host}api/actions"),
        json!({ "action": "teleport" }),
    )
    .await;
    assert_eq!(status, 400);
    assert!(bad["error"].as_str().unwrap().contains("teleport"), "{bad}");
    for mode in ["pull", "push", "direct"] {
        let (status, body) = post(
            format!("{host}api/outbound/preview"),
            json!({ "mode": mode }),
        )
        .await;
        assert_eq!(status, 200, "{mode}: {body}");
    }
    let (status, _) = post(
        format!("{host}api/actions"),
        json!({ "action": "campaign", "campaign": "Offer of the Month", "step": "load" }),
    )
    .await;
    assert_eq!(status, 200);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_native_client_sees_events_the_control_api_causes() {
    let emulator = start().await;
    let url = format!("{}scapi", emulator.host_url.replacen("http", "ws", 1));
    let mut socket = support::connect(&url, "http://native.example").await;
    let handshake = next_json(&mut socket).await;
    assert!(handshake["frameId"].is_string());
    let subscribe = json!({ "event": "subscribe", "data": ["interaction"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2 });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let mut received = Vec::new();
    let host = emulator.host_url.clone();
    let ack = loop {
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            continue;
        };
        break serde_json::from_str::<Value>(&text).unwrap();
    };
    assert!(ack["subscriptionId"].is_string());
    post(format!("{host}api/calls"), json!({ "ani": "+15550000000" })).await;
    while received.len() < 2 {
        received.push(next_json(&mut socket).await);
    }
    assert_eq!(received[0]["data"]["eventType"], "ADDED");
    assert_eq!(received[1]["data"]["eventType"], "RINGING");
    assert_eq!(received[1]["data"]["interaction"]["ani"], "+15550000000");
    emulator.shutdown().await;
}

#[tokio::test]
async fn only_the_host_page_may_relay() {
    let emulator = start().await;
    let url = format!("{}relay", emulator.host_url.replacen("http", "ws", 1));
    let mut request = url.clone().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", "http://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await;
    assert!(refused.is_err(), "a foreign page must not relay");
    let mut socket = support::connect(&url, emulator.host_url.trim_end_matches('/')).await;
    socket
        .send(Message::Text("{\"type\":\"nonsense\"}".into()))
        .await
        .unwrap();
    loop {
        let value = next_json(&mut socket).await;
        if value["type"] == "error" {
            assert!(
                value["message"]
                    .as_str()
                    .unwrap()
                    .contains("relay frame: `type` \"nonsense\" is unknown; send one of")
            );
            break;
        }
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn scenarios_parse_strictly_and_run_in_order() {
    let bad =
        Scenario::parse(r#"{ "steps": [ { "at": -1, "action": "dial", "destination": "1" } ] }"#);
    assert!(bad.unwrap_err().to_string().contains("non-negative"));
    let bad = Scenario::parse(r#"{ "steps": [ { "at": 1, "action": "dial" } ] }"#);
    assert!(bad.unwrap_err().to_string().contains("destination"));
    let scenario = Scenario::parse(
        r#"{ "steps": [
            { "at": 0.2, "action": "customer-message", "customer": "Ada", "message": "second" },
            { "at": 0, "action": "incoming-call", "ani": "+1555" }
        ] }"#,
    )
    .unwrap();
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.demo_app = None;
    config.scenario = Some(scenario);
    let emulator = Emulator::start(config).await.unwrap();
    let mut media = Vec::new();
    for _ in 0..100 {
        media = emulator
            .workspace
            .interactions()
            .into_iter()
            .filter_map(|i| i.media)
            .collect();
        if media.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(media, ["voice", "chat"]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn chat_api_turns_a_customer_chat_into_an_interaction_and_streams_the_agent_side() {
    let emulator = start().await;
    let host = emulator.host_url.trim_end_matches('/').to_owned();
    let (status, started) = post(
        format!("{host}/chat/sessions"),
        json!({ "firstName": "Ann", "lastName": "Lee", "subject": "Billing", "message": "Hello",
                "userData": { "accountId": "A-42" } }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    // The chat id is an unguessable capability; the interaction id is the desktop's.
    let chat_id = started["chatId"].as_str().unwrap().to_owned();
    let id = started["interactionId"].as_str().unwrap().to_owned();
    assert_eq!(chat_id.len(), 32, "{chat_id}");
    assert_ne!(chat_id, id);
    assert_eq!(
        reqwest::get(format!("{host}/chat/sessions/{id}"))
            .await
            .unwrap()
            .status(),
        404,
        "the interaction id is no way into the chat API"
    );
    assert_eq!(started["customer"], "Ann Lee");
    let chat = emulator.workspace.interaction(&id).unwrap();
    let data = serde_json::to_value(&chat).unwrap();
    assert_eq!(data["state"], "INVITED");
    assert_eq!(data["userData"]["accountId"], "A-42");
    assert_eq!(data["userData"]["Subject"], "Billing");

    let ws_url = format!(
        "{}{}",
        host.replace("http://", "ws://"),
        started["streamPath"].as_str().unwrap()
    );
    let (mut stream, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
    let first = next_json(&mut stream).await;
    assert_eq!(
        (
            first["index"].clone(),
            first["type"].clone(),
            first["party"].clone()
        ),
        (json!(1), json!("ParticipantJoined"), json!("Client"))
    );
    assert_eq!(next_json(&mut stream).await["text"], "Hello");

    // The agent's side, through the control API.
    let (status, refused) = post(
        format!("{host}/api/actions"),
        json!({ "action": "agent-chat-message", "interactionId": id, "text": "too early" }),
    )
    .await;
    assert_eq!(status, 409);
    assert!(refused["error"].as_str().unwrap().contains("accept"));
    for (path, body) in [
        ("accept", json!({})),
        ("agent-typing", json!({ "typing": true })),
        (
            "agent-chat-message",
            json!({ "text": "Hi Ann, how can I help?" }),
        ),
    ] {
        let (status, reply) = post(format!("{host}/api/interactions/{id}/{path}"), body).await;
        assert_eq!(status, 200, "{path}: {reply}");
    }
    let joined = next_json(&mut stream).await;
    assert_eq!(
        (joined["type"].clone(), joined["party"].clone()),
        (json!("ParticipantJoined"), json!("Agent"))
    );
    assert_eq!(next_json(&mut stream).await["type"], "TypingStarted");
    let said = next_json(&mut stream).await;
    assert_eq!(
        (said["party"].clone(), said["text"].clone()),
        (json!("Agent"), json!("Hi Ann, how can I help?"))
    );

    // The customer writes and types; errors say what is wrong.
    let (status, reply) = post(
        format!("{host}/chat/sessions/{chat_id}/messages"),
        json!({ "text": "My invoice" }),
    )
    .await;
    assert_eq!((status, reply["index"].clone()), (200, json!(6)));
    assert_eq!(
        post(
            format!("{host}/chat/sessions/{chat_id}/messages"),
            json!({ "text": "" })
        )
        .await
        .0,
        400
    );
    assert_eq!(
        post(
            format!("{host}/chat/sessions/{chat_id}/messages"),
            json!({ "txt": "x" })
        )
        .await
        .0,
        400
    );
    assert_eq!(
        post(format!("{host}/chat/sessions/{chat_id}/typing"), json!({}))
            .await
            .0,
        200
    );
    assert_eq!(
        post(
            format!("{host}/chat/sessions/nope/messages"),
            json!({ "text": "x" })
        )
        .await
        .0,
        404
    );
    assert_eq!(next_json(&mut stream).await["text"], "My invoice");
    assert_eq!(next_json(&mut stream).await["type"], "TypingStarted");

    // A late joiner catches up from any index; the agent marking done ends the stream.
    let (mut late, _) = tokio_tungstenite::connect_async(format!("{ws_url}?after=6"))
        .await
        .unwrap();
    assert_eq!(next_json(&mut late).await["index"], 7);
    let (status, _) = post(format!("{host}/api/interactions/{id}/markdone"), json!({})).await;
    assert_eq!(status, 200);
    let left = next_json(&mut stream).await;
    assert_eq!(
        (left["type"].clone(), left["party"].clone()),
        (json!("ParticipantLeft"), json!("Agent"))
    );
    assert_eq!(next_json(&mut stream).await, json!({ "type": "ChatEnded" }));
    let transcript: Value = reqwest::get(format!("{host}/chat/sessions/{chat_id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(transcript["ended"], true);
    assert_eq!(transcript["entries"].as_array().unwrap().len(), 8);
    assert_eq!(
        post(
            format!("{host}/chat/sessions/{chat_id}/messages"),
            json!({ "text": "x" })
        )
        .await
        .0,
        409
    );
    let (status, reply) = post(format!("{host}/chat/sessions/{chat_id}/end"), json!({})).await;
    assert_eq!((status, reply["ended"].clone()), (200, json!(true)));
    emulator.shutdown().await;
}

/// The option file's chat and email options reach the agent's desktop operations and the
/// customer's side: an auto-answered chat shows the agent joining, the agent's mark done is
/// refused while a privilege withholds it, and a reloaded file lifts the refusal.
#[tokio::test]
async fn behaviour_options_drive_the_agent_side_and_the_customer_side() {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.options = Some(format!(
        "{OPTIONS}\nchat.auto-answer=true\nprivilege.chat.can-release=false\nprivilege.email.can-mark-done=false\n"
    ));
    let emulator = Emulator::start(config).await.unwrap();
    let host = emulator.host_url.trim_end_matches('/').to_owned();
    let (status, started) = post(
        format!("{host}/chat/sessions"),
        json!({ "firstName": "Ann", "lastName": "Lee", "message": "Hello" }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let chat_id = started["chatId"].as_str().unwrap().to_owned();
    let id = started["interactionId"].as_str().unwrap().to_owned();
    let chat = serde_json::to_value(emulator.workspace.interaction(&id).unwrap()).unwrap();
    assert_eq!(
        chat["state"], "ACCEPTED",
        "chat.auto-answer=true accepts at once"
    );
    let ws_url = format!(
        "{}{}",
        host.replace("http://", "ws://"),
        started["streamPath"].as_str().unwrap()
    );
    let (mut stream, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let entry = next_json(&mut stream).await;
        seen.push((entry["type"].clone(), entry["party"].clone()));
    }
    assert_eq!(
        seen,
        [
            (json!("ParticipantJoined"), json!("Client")),
            (json!("Message"), json!("Client")),
            (json!("ParticipantJoined"), json!("Agent")),
        ]
    );

    let markdone = |id: String| post(format!("{host}/api/interactions/{id}/markdone"), json!({}));
    let (status, refused) = markdone(id.clone()).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("privilege.chat.can-release"),
        "{refused}"
    );
    let (status, _) = post(format!("{host}/chat/sessions/{chat_id}/end"), json!({})).await;
    assert_eq!(status, 200);
    let (status, reply) = markdone(id).await;
    assert_eq!(
        status, 200,
        "a chat the customer left can be marked done: {reply}"
    );

    let (status, reply) = post(
        format!("{host}/api/actions"),
        json!({ "action": "email", "destination": "ann@example.com" }),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let email = emulator.workspace.interactions()[0].interaction_id.clone();
    let (status, refused) = markdone(email.clone()).await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("privilege.email.can-mark-done"),
        "{refused}"
    );
    emulator.reload_options(OPTIONS).unwrap();
    let (status, reply) = markdone(email).await;
    assert_eq!(
        status, 200,
        "the reloaded file no longer withholds it: {reply}"
    );
    emulator.shutdown().await;
}

/// A native client of the emulator's `/scapi`, past the frame-id handshake.
async fn native_client(
    emulator: &agentdesk_server::emulator::RunningEmulator,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}scapi", emulator.host_url.replacen("http", "ws", 1));
    let mut socket = support::connect(&url, "http://native.example").await;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(text) = frame {
            let handshake: Value = serde_json::from_str(&text).unwrap();
            assert!(handshake["frameId"].is_string(), "{handshake}");
            return socket;
        }
    }
}

/// Sends `request` with `parameters` and waits for its success response.
async fn native_request(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    reference: &str,
    request: &str,
    parameters: Value,
) {
    let message = json!({ "request": request, "parameters": parameters, "referenceId": reference,
                          "userAgent": "WWE Client", "protocolVersion": 2 });
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
    loop {
        let reply = next_json(socket).await;
        if reply["referenceId"] == reference {
            assert!(reply.get("errorMessage").is_none(), "{request}: {reply}");
            return;
        }
    }
}

/// What the host page reads of dialogs and menu-bar views is what the server sends: the
/// dialog's label and the views' labels and tooltip, as the app gave them.
#[tokio::test]
async fn the_desktop_state_carries_what_the_host_page_shows() {
    use agentdesk_protocol::emulator::control::DesktopState;

    let emulator = start().await;
    let mut socket = native_client(&emulator).await;
    native_request(
        &mut socket,
        "1",
        "system.openDialog",
        json!(["https://app.example/survey", { "label": "Survey", "width": "430px" }]),
    )
    .await;
    native_request(
        &mut socket,
        "2",
        "system.updateViewInApplicationMenuBar",
        json!([{ "name": "crm", "label": "CRM records", "shortLabel": "CRM", "tooltip": "Open the CRM" }]),
    )
    .await;
    let text = reqwest::get(format!("{}api/state", emulator.host_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let state: DesktopState = serde_json::from_str(&text).unwrap();
    assert_eq!(state.dialogs.len(), 1, "{text}");
    assert_eq!(state.dialogs[0].label.as_deref(), Some("Survey"));
    assert!(
        state.dialogs[0]
            .url
            .starts_with("https://app.example/survey")
    );
    let view = &state.menu_views[0];
    assert_eq!(
        (
            view.name.as_str(),
            view.label.as_deref(),
            view.short_label.as_deref(),
            view.tooltip.as_deref()
        ),
        (
            "crm",
            Some("CRM records"),
            Some("CRM"),
            Some("Open the CRM")
        )
    );
    assert!(state.states.is_some_and(|states| !states.is_empty()));
    emulator.shutdown().await;
}

/// The shortcut routes take the fields of the action they name; the README's older
/// connection body still works, and a body in another vocabulary is refused with the fix.
#[tokio::test]
async fn shortcut_routes_speak_the_action_vocabulary() {
    let emulator = start().await;
    let host = &emulator.host_url;
    let (status, body) = post(format!("{host}api/connection"), json!({ "change": "lost" })).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        format!("{host}api/connection"),
        json!({ "state": "RECONNECTED" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        format!("{host}api/connection"),
        json!({ "state": "SOMEWHERE" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("\"change\""),
        "{body}"
    );
    let (status, body) = post(
        format!("{host}api/outbound/campaign"),
        json!({ "campaign": "Offer of the Month", "step": "load" }),
    )
    .await;
    assert_eq!((status, body["ok"].clone()), (200, json!(true)), "{body}");
    let (status, body) = post(
        format!("{host}api/outbound/campaign"),
        json!({ "campaign": "Offer of the Month", "action": "start" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("leave `action` out"),
        "{body}"
    );
    emulator.shutdown().await;
}

/// Every frame the relay writes is a `ToPage` the host page's declarations describe: the
/// frame-id handshake posted to the frame, the reply, and the inspector's trace records.
#[tokio::test]
async fn the_relay_writes_typed_frames() {
    use agentdesk_protocol::emulator::relay::{FromPage, ToPage};

    let emulator = start().await;
    let url = format!("{}relay", emulator.host_url.replacen("http", "ws", 1));
    let mut socket = support::connect(&url, emulator.host_url.trim_end_matches('/')).await;
    let app = "http://native.example".to_owned();
    let frames = [
        FromPage::Register {
            frame: "app-0".into(),
            origin: app.clone(),
            tab: Some("tab-1".into()),
            view: None,
        },
        FromPage::Message {
            frame: "app-0".into(),
            origin: app,
            data: json!({ "request": "agent.get", "referenceId": "1",
                          "userAgent": "WWE Client", "protocolVersion": 2 }),
        },
    ];
    for frame in &frames {
        let text = serde_json::to_string(frame).unwrap();
        socket.send(Message::Text(text.into())).await.unwrap();
    }
    let (mut posts, mut traces, mut states) = (0, 0, 0);
    while posts < 2 || traces < 2 || states < 1 {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let Message::Text(text) = frame else { continue };
        match ToPage::decode(&text) {
            Ok(ToPage::Post { target_origin, .. }) => {
                assert_eq!(target_origin, "http://native.example");
                posts += 1;
            }
            Ok(ToPage::Trace { .. }) => traces += 1,
            // The desktop as it is when the socket opens.
            Ok(ToPage::State { state }) => {
                assert!(state.interactions.is_empty(), "{text}");
                states += 1;
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    // A change is pushed: the page never polls.
    let call = agentdesk_protocol::emulator::control::Action::decode(
        r#"{"action": "incoming-call", "ani": "+15550001"}"#,
    )
    .unwrap();
    emulator.apply(call).await.unwrap();
    let pushed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let Some(Ok(Message::Text(text))) = socket.next().await else {
                panic!("the relay closed before the new state came");
            };
            if let Ok(ToPage::State { state }) = ToPage::decode(&text) {
                return state;
            }
        }
    })
    .await
    .expect("the new state within 5 s");
    assert_eq!(pushed.interactions.len(), 1);
    assert_eq!(pushed.interactions[0].ani.as_deref(), Some("+15550001"));
    emulator.shutdown().await;
}

/// A host page in Workspace tab `tab`: its relay socket with one frame, `app`, subscribed to
/// system events.
async fn host_page_in_tab(
    emulator: &agentdesk_server::emulator::RunningEmulator,
    tab: &str,
) -> support::Socket {
    use agentdesk_protocol::emulator::relay::FromPage;

    let url = format!("{}relay", emulator.host_url.replacen("http", "ws", 1));
    let mut socket = support::connect(&url, emulator.host_url.trim_end_matches('/')).await;
    let app = "http://native.example".to_owned();
    for frame in [
        FromPage::Register {
            frame: "app".into(),
            origin: app.clone(),
            tab: Some(tab.into()),
            view: None,
        },
        FromPage::Message {
            frame: "app".into(),
            origin: app,
            data: json!({ "event": "subscribe", "data": ["system"], "referenceId": "s",
                          "userAgent": "WWE Client", "protocolVersion": 2 }),
        },
    ] {
        let text = serde_json::to_string(&frame).unwrap();
        socket.send(Message::Text(text.into())).await.unwrap();
    }
    // Subscribed once the acknowledgement is back.
    while !next_post(&mut socket)
        .await
        .get("subscriptionId")
        .is_some_and(Value::is_string)
    {}
    socket
}

/// The next Service Client API message the relay posts to the page's frame.
async fn next_post(socket: &mut support::Socket) -> Value {
    use agentdesk_protocol::emulator::relay::ToPage;
    loop {
        let frame = next_json(socket).await;
        if let Ok(ToPage::Post { data, .. }) = ToPage::decode(&frame.to_string()) {
            return data;
        }
    }
}

/// Closing the leading tab's page starts an election: the other tab's frames see
/// `NEGOTIATING`, then `LEADING` when it ends.
#[tokio::test]
async fn closing_the_leading_tab_runs_an_election() {
    let emulator = start().await;
    let mut leader = host_page_in_tab(&emulator, "tab-1").await;
    let mut follower = host_page_in_tab(&emulator, "tab-2").await;
    let frame_state = |message: &Value| message["data"]["frameState"].as_str().map(str::to_owned);

    leader.close(None).await.unwrap();
    drop(leader);
    let mut states = Vec::new();
    while states.len() < 2 {
        if let Some(state) = frame_state(&next_post(&mut follower).await) {
            states.push(state);
        }
    }
    assert_eq!(states, ["NEGOTIATING", "LEADING"]);
    emulator.shutdown().await;
}

/// The control API opens, closes and focuses Workspace tabs; closing the leader runs the same
/// election as closing its page.
#[tokio::test]
async fn tab_actions_drive_the_election() {
    let emulator = start().await;
    let actions = format!("{}api/actions", emulator.host_url);
    let _leader = host_page_in_tab(&emulator, "tab-1").await;
    let mut follower = host_page_in_tab(&emulator, "tab-2").await;
    let frame_state = |message: &Value| message["data"]["frameState"].as_str().map(str::to_owned);

    let (status, body) = post(
        actions.clone(),
        json!({"action": "close-tab", "tab": "tab-1"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut states = Vec::new();
    while states.len() < 2 {
        if let Some(state) = frame_state(&next_post(&mut follower).await) {
            states.push(state);
        }
    }
    assert_eq!(states, ["NEGOTIATING", "LEADING"]);

    let (status, _) = post(
        actions.clone(),
        json!({"action": "open-tab", "tab": "tab-3"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        actions.clone(),
        json!({"action": "focus-tab", "tab": "tab-3"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post(actions, json!({"action": "focus-tab", "tab": "tab-9"})).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "No Workspace tab 'tab-9': open it first.");
    emulator.shutdown().await;
}

/// `change-case` gives an interaction a new case: subscribed apps get
/// `CASE_OR_BUNDLE_ID_CHANGED` (the interaction with its new `caseId`), `CASE_ID_CHANGED` with
/// both ids and nothing else, then `ATTACHED_DATA_CHANGED` with the new `IW_CaseUid`; a new
/// bundle (`"ids": "bundle"`) announces the same without `CASE_ID_CHANGED`.
#[tokio::test]
async fn change_case_announces_the_new_ids_then_the_attached_data() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut socket = subscribed_to_interactions(&emulator).await;
    let (_, call) = post(format!("{host}api/calls"), json!({ "ani": "+15550000000" })).await;
    let id = call["interactionId"].as_str().unwrap().to_owned();
    events_until(&mut socket, "RINGING").await;
    let state = support::get_json(&format!("{host}api/state")).await;
    let before = &state["interactions"][0];
    let old_case = before["caseId"].as_str().unwrap().to_owned();
    let old_bundle = before["bundleId"].as_str().unwrap().to_owned();

    let (status, body) = post(
        format!("{host}api/actions"),
        json!({ "action": "change-case", "interactionId": id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["events"], 3);
    let events = events_until(&mut socket, "ATTACHED_DATA_CHANGED").await;
    assert_eq!(
        types(&events),
        [
            "CASE_OR_BUNDLE_ID_CHANGED",
            "CASE_ID_CHANGED",
            "ATTACHED_DATA_CHANGED"
        ]
    );
    let state = support::get_json(&format!("{host}api/state")).await;
    let after = &state["interactions"][0];
    let new_case = after["caseId"].as_str().unwrap().to_owned();
    assert_ne!(new_case, old_case);
    assert_eq!(after["bundleId"], old_bundle.as_str());
    assert_eq!(after["userData"]["IW_CaseUid"], new_case.as_str());

    let changed = &events[0]["data"];
    assert_eq!(changed["media"], "voice");
    assert_eq!(changed["interaction"]["interactionId"], id.as_str());
    assert_eq!(changed["interaction"]["caseId"], new_case.as_str());
    assert_eq!(changed["interaction"]["bundleId"], old_bundle.as_str());
    assert_eq!(
        changed["interaction"]["userData"]["IW_CaseUid"],
        old_case.as_str()
    );
    assert_eq!(
        events[1],
        json!({
            "event": "interaction",
            "data": { "eventType": "CASE_ID_CHANGED", "caseId": new_case, "previousCaseId": old_case },
            "userAgent": "WWE Server",
            "protocolVersion": 2
        })
    );
    let attached = &events[2]["data"];
    assert_eq!(attached["media"], "voice");
    assert_eq!(attached["interaction"], *after);

    let (status, body) = post(
        format!("{host}api/interactions/{id}/change-case"),
        json!({ "ids": "bundle" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = events_until(&mut socket, "ATTACHED_DATA_CHANGED").await;
    assert_eq!(
        types(&events),
        ["CASE_OR_BUNDLE_ID_CHANGED", "ATTACHED_DATA_CHANGED"]
    );
    let state = support::get_json(&format!("{host}api/state")).await;
    let after = &state["interactions"][0];
    let new_bundle = after["bundleId"].as_str().unwrap().to_owned();
    assert_ne!(new_bundle, old_bundle);
    assert_eq!(after["caseId"], new_case.as_str());
    assert_eq!(
        events[0]["data"]["interaction"]["bundleId"],
        new_bundle.as_str()
    );
    assert_eq!(
        events[0]["data"]["interaction"]["userData"]["IW_BundleUid"],
        old_bundle.as_str()
    );
    assert_eq!(events[1]["data"]["interaction"], *after);
    assert_eq!(after["userData"]["IW_BundleUid"], new_bundle.as_str());

    let (status, body) = post(
        format!("{host}api/actions"),
        json!({ "action": "change-case", "interactionId": id, "ids": "all" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    emulator.shutdown().await;
}

/// The agent marks a released call done from the desktop: refused with the app's warning
/// while the app blocks it, and nothing published; once unblocked, subscribed apps see it
/// `REMOVED`, as it was when it left the list.
#[tokio::test]
async fn the_agent_marks_a_released_call_done_once_the_app_unblocks_it() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut socket = subscribed_to_interactions(&emulator).await;
    let (_, call) = post(format!("{host}api/calls"), json!({ "ani": "+15550000000" })).await;
    let id = call["interactionId"].as_str().unwrap().to_owned();
    for operation in ["answer", "hangup"] {
        let (status, body) = post(
            format!("{host}api/interactions/{id}/{operation}"),
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{operation}: {body}");
    }
    let mut events = events_until(&mut socket, "RELEASED").await;
    let markdone = json!({ "action": "agent", "interactionId": id, "operation": "markdone" });
    send_request(
        &mut socket,
        "interaction.blockMarkdone",
        json!([id, "Fill in the survey first."]),
        "1",
    )
    .await;
    answer_without_events(&mut socket, "1").await;
    let (status, body) = post(format!("{host}api/actions"), markdone.clone()).await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("Fill in the survey first."))
    );
    send_request(&mut socket, "interaction.unblockMarkdone", json!([id]), "2").await;
    // Nothing was published by the refusal.
    answer_without_events(&mut socket, "2").await;
    let (status, body) = post(format!("{host}api/actions"), markdone).await;
    assert_eq!(status, 200, "{body}");
    events.extend(events_until(&mut socket, "REMOVED").await);
    assert_eq!(
        types(&events),
        ["ADDED", "RINGING", "ESTABLISHED", "RELEASED", "REMOVED"]
    );
    let removed = &events[4]["data"];
    assert_eq!(removed["media"], "voice");
    assert_eq!(removed["interaction"]["interactionId"], id.as_str());
    assert_eq!(removed["interaction"]["state"], "IDLE");
    assert_eq!(removed["interaction"]["previousState"], "TALKING");
    assert!(removed["interaction"]["endDate"].is_u64());
    let state = support::get_json(&format!("{host}api/state")).await;
    assert_eq!(state["interactions"], json!([]));
    emulator.shutdown().await;
}

/// An app marks an accepted chat done with `interaction.markdone`: the answer, then `ENDED`,
/// `COMPLETED` (the open-media "mark as done") and `REMOVED`.
#[tokio::test]
async fn an_app_marks_a_chat_done() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut socket = subscribed_to_interactions(&emulator).await;
    let (_, chat) = post(
        format!("{host}api/chats"),
        json!({ "customer": "Ada", "message": "Hello" }),
    )
    .await;
    let id = chat["interactionId"].as_str().unwrap().to_owned();
    let (status, body) = post(format!("{host}api/interactions/{id}/accept"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    events_until(&mut socket, "ACCEPTED").await;

    send_request(&mut socket, "interaction.markdone", json!([id]), "7").await;
    let mut answered = None;
    let mut events = Vec::new();
    while events
        .last()
        .is_none_or(|e: &Value| e["data"]["eventType"] != "REMOVED")
    {
        let message = next_json(&mut socket).await;
        if message["referenceId"] == "7" {
            assert!(events.is_empty(), "the answer comes before the events");
            answered = Some(message);
        } else if message["event"] == "interaction" {
            events.push(message);
        }
    }
    let answered = answered.unwrap();
    assert!(answered.get("errorMessage").is_none(), "{answered}");
    assert_eq!(types(&events), ["ENDED", "COMPLETED", "REMOVED"]);
    let completed = &events[1]["data"];
    assert_eq!(completed["media"], "chat");
    assert_eq!(completed["interaction"]["interactionId"], id.as_str());
    assert_eq!(completed["interaction"]["state"], "COMPLETED");
    assert_eq!(completed["interaction"]["previousState"], "ENDED");
    assert!(completed["interaction"]["endDate"].is_u64());
    assert_eq!(events[2]["data"]["interaction"], completed["interaction"]);
    emulator.shutdown().await;
}

/// A call dialed from a pull preview record, released, then marked done by the agent:
/// `MARKDONE_APPLY` (still `MARK_DONE`), then `REMOVED` (no capabilities left), as the
/// documentation's outbound preview table shows.
#[tokio::test]
async fn the_agent_marks_an_outbound_call_done_and_it_is_applied_first() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut socket = subscribed_to_interactions(&emulator).await;
    let (status, body) = post(
        format!("{host}api/outbound/preview"),
        json!({ "mode": "pull" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let previewed = events_until(&mut socket, "RECORDS_RETRIEVED").await;
    let preview = previewed[0]["data"]["interaction"]["interactionId"]
        .as_str()
        .unwrap()
        .to_owned();
    send_request(
        &mut socket,
        "outbound.callPreviewRecord",
        json!([preview, null]),
        "1",
    )
    .await;
    let dialed = events_until(&mut socket, "DIALING").await;
    let call = dialed[dialed.len() - 1]["data"]["interaction"]["interactionId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(call, preview);
    let (status, body) = post(format!("{host}api/interactions/{call}/hangup"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    events_until(&mut socket, "RELEASED").await;

    let (status, body) = post(
        format!("{host}api/actions"),
        json!({ "action": "agent", "interactionId": call, "operation": "markdone" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = events_until(&mut socket, "REMOVED").await;
    assert_eq!(types(&events), ["MARKDONE_APPLY", "REMOVED"]);
    let applied = &events[0]["data"]["interaction"];
    assert_eq!(applied["interactionId"], call.as_str());
    assert_eq!(
        (
            &applied["state"],
            &applied["callType"],
            &applied["capabilities"]
        ),
        (&json!("IDLE"), &json!("OUTBOUND"), &json!(["MARK_DONE"]))
    );
    let removed = &events[1]["data"]["interaction"];
    assert_eq!(removed["interactionId"], call.as_str());
    assert_eq!(removed["capabilities"], json!([]));
    emulator.shutdown().await;
}

/// The `interaction` events a client receives up to and including the first whose
/// `eventType` is `last` (answers and other families skipped).
async fn events_until(socket: &mut support::Socket, last: &str) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let message = next_json(socket).await;
        if message["event"] != "interaction" {
            continue;
        }
        let done = message["data"]["eventType"] == last;
        events.push(message);
        if done {
            return events;
        }
    }
}

/// The `eventType` of each event.
fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["data"]["eventType"].as_str().unwrap_or(""))
        .collect()
}

/// The answer to request `reference`, asserting that no event arrives before it.
async fn answer_without_events(socket: &mut support::Socket, reference: &str) -> Value {
    loop {
        let message = next_json(socket).await;
        assert!(message.get("event").is_none(), "unexpected {message}");
        if message["referenceId"] == reference {
            assert!(message.get("errorMessage").is_none(), "{message}");
            return message;
        }
    }
}

/// Posts request `name` from a native client.
async fn send_request(
    socket: &mut support::Socket,
    name: &str,
    parameters: Value,
    reference: &str,
) {
    let request = json!({ "request": name, "parameters": parameters, "referenceId": reference,
                          "userAgent": "WWE Client", "protocolVersion": 2 });
    socket
        .send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
}

/// The default pull campaign's first record comes with a chained record, so the agent's first
/// pull preview shows a chain retrieved.
#[tokio::test]
async fn the_first_pull_preview_retrieves_a_chain() {
    let emulator = start().await;
    let host = emulator.host_url.clone();
    let mut socket = subscribed_to_interactions(&emulator).await;
    let (status, body) = post(
        format!("{host}api/outbound/preview"),
        json!({ "mode": "pull" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let retrieved = loop {
        let message = next_json(&mut socket).await;
        if message["data"]["eventType"] == "RECORDS_RETRIEVED" {
            break message;
        }
    };
    let interaction = &retrieved["data"]["interaction"];
    assert_eq!(interaction["chainedRecords"].as_array().unwrap().len(), 2);
    assert_eq!(interaction["userData"]["GSW_RECORD_HANDLE"], "1001");
    emulator.shutdown().await;
}

/// A native client subscribed to interaction events (the acknowledgement read).
async fn subscribed_to_interactions(
    emulator: &agentdesk_server::emulator::RunningEmulator,
) -> support::Socket {
    let mut socket = native_client(emulator).await;
    let subscribe = json!({ "event": "subscribe", "data": ["interaction"], "referenceId": "0",
                            "userAgent": "WWE Client", "protocolVersion": 2 });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    while next_json(&mut socket).await["referenceId"] != "0" {}
    socket
}
